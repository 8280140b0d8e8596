/// The console's only script and style sheet, served from `/console/assets/` (the
/// Content-Security-Policy allows scripts and styles from the console itself and nothing
/// inline). Hand-written, no build step: the copy button of a new key, and the playground's
/// streamed chat. The script never touches the session cookie (HttpOnly) and never stores
/// anything in the browser.
enum ConsoleAssets {
    static let script = #"""
        "use strict";
        document.addEventListener("DOMContentLoaded", function () {
          document.querySelectorAll("button[data-copy]").forEach(function (button) {
            button.addEventListener("click", function () {
              var field = document.getElementById(button.getAttribute("data-copy"));
              var status = document.querySelector('[data-copied-for="' + field.id + '"]');
              field.select();
              var done = function () { if (status) { status.textContent = "Copied."; } };
              if (navigator.clipboard && window.isSecureContext) {
                navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
              } else {
                document.execCommand("copy");
                done();
              }
            });
          });
          var chat = document.getElementById("chat");
          if (chat) { playground(chat); }
          var upload = document.getElementById("upload");
          if (upload) { uploader(upload); }
        });

        function uploader(form) {
          var input = document.getElementById("files");
          var progress = document.getElementById("upload-progress");
          var status = document.getElementById("upload-status");
          var error = document.getElementById("files-error");
          var limit = parseInt(form.getAttribute("data-limit"), 10);
          form.addEventListener("dragover", function (event) { event.preventDefault(); form.classList.add("over"); });
          form.addEventListener("dragleave", function () { form.classList.remove("over"); });
          form.addEventListener("drop", function (event) {
            event.preventDefault();
            form.classList.remove("over");
            send(Array.prototype.slice.call(event.dataTransfer.files));
          });
          form.addEventListener("submit", function (event) {
            event.preventDefault();
            send(Array.prototype.slice.call(input.files));
          });

          function send(files) {
            error.hidden = true;
            if (!files.length) { fail("Choose at least one file."); return; }
            var done = 0;
            var next = function () {
              if (done === files.length) { status.textContent = "Uploaded " + done + " file(s)."; window.location.reload(); return; }
              var file = files[done];
              if (file.size > limit) { fail(file.name + " is larger than " + limit + " bytes."); return; }
              var request = new XMLHttpRequest();
              request.open("POST", form.getAttribute("data-endpoint"));
              request.setRequestHeader("X-CSRF-Token", form.getAttribute("data-csrf"));
              request.setRequestHeader("X-Document-Name", encodeURIComponent(file.name));
              request.setRequestHeader("Content-Type", file.type || "application/octet-stream");
              progress.hidden = false;
              request.upload.onprogress = function (event) {
                if (event.lengthComputable) { progress.value = Math.round(100 * event.loaded / event.total); }
              };
              request.onload = function () {
                if (request.status >= 200 && request.status < 300) {
                  done += 1;
                  status.textContent = file.name + " uploaded (" + done + " of " + files.length + ").";
                  next();
                } else {
                  fail(file.name + " was refused (" + request.status + ").");
                }
              };
              request.onerror = function () { fail(file.name + " could not be sent."); };
              status.textContent = "Uploading " + file.name + "…";
              request.send(file);
            };
            next();
          }

          function fail(message) {
            error.textContent = message;
            error.hidden = false;
            progress.hidden = true;
          }
        }

        function playground(form) {
          var conversation = document.getElementById("conversation");
          var input = document.getElementById("message");
          var model = document.getElementById("model");
          var error = document.getElementById("message-error");
          var button = form.querySelector("button[type=submit]");
          form.addEventListener("submit", function (event) {
            event.preventDefault();
            var text = input.value.trim();
            if (!text) { return; }
            error.hidden = true;
            button.disabled = true;
            append("question", text);
            var answer = append("answer", "");
            answer.setAttribute("aria-busy", "true");
            fetch(form.getAttribute("data-endpoint"), {
              method: "POST",
              credentials: "same-origin",
              headers: { "Content-Type": "application/json", "X-CSRF-Token": form.getAttribute("data-csrf") },
              body: JSON.stringify(model && model.value ? { message: text, model: model.value } : { message: text })
            }).then(function (response) {
              if (!response.ok || !response.body) { throw new Error("The request was refused (" + response.status + ")."); }
              input.value = "";
              return read(response.body.getReader(), answer);
            }).catch(function (failure) {
              error.textContent = failure.message;
              error.hidden = false;
            }).finally(function () {
              answer.removeAttribute("aria-busy");
              button.disabled = false;
              input.focus();
            });
          });

          function append(kind, text) {
            var item = document.createElement("div");
            item.className = "turn " + kind;
            var body = document.createElement("p");
            body.className = "text";
            body.textContent = text;
            item.appendChild(body);
            conversation.appendChild(item);
            return item;
          }

          function read(reader, answer) {
            var decoder = new TextDecoder();
            var pending = "";
            var text = answer.querySelector(".text");
            function pump() {
              return reader.read().then(function (chunk) {
                if (chunk.done) { return; }
                pending += decoder.decode(chunk.value, { stream: true });
                var events = pending.split("\n\n");
                pending = events.pop();
                events.forEach(function (line) {
                  if (line.indexOf("data: ") !== 0) { return; }
                  var event = JSON.parse(line.slice(6));
                  if (event.delta) { text.textContent += event.delta; }
                  if (event.sources) { cite(answer, event.sources); }
                  if (event.error) { throw new Error(event.error); }
                  if (event.done) { answer.setAttribute("data-finish", event.done); }
                });
                return pump();
              });
            }
            return pump();
          }

          function cite(answer, sources) {
            if (!sources.length) { return; }
            var list = document.createElement("ol");
            list.className = "sources";
            list.setAttribute("aria-label", "Sources");
            sources.forEach(function (source) {
              var item = document.createElement("li");
              item.textContent = source.document + (source.section ? " › " + source.section : "") + " (chunk " + source.chunk + ")";
              list.appendChild(item);
            });
            answer.appendChild(list);
          }
        }
        """#

    static let styleSheet = """
        :root { --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --accent: #0b57d0; --bad: #b3261e; --card: #f6f8fa; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: var(--ink); }
        a { color: var(--accent); }
        .skip { position: absolute; left: -999px; }
        .skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px 8px; }
        .top { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 24px; padding: 8px 16px; border-bottom: 1px solid var(--line); }
        .brand { font-weight: 700; text-decoration: none; font-size: 1.2rem; }
        nav ul { display: flex; flex-wrap: wrap; gap: 4px 16px; list-style: none; margin: 0; padding: 0; }
        nav a[aria-current=page] { font-weight: 700; }
        .signout { margin-left: auto; display: flex; align-items: center; gap: 8px; }
        .who { color: var(--muted); font-size: 0.9rem; }
        main { max-width: 1100px; margin: 0 auto; padding: 16px; }
        main:focus { outline: none; }
        /* A wide table scrolls inside itself; relative, so that its visually hidden headers stay inside too. */
        table { border-collapse: collapse; width: 100%; margin: 16px 0; display: block; overflow-x: auto; position: relative; }
        caption { text-align: left; font-weight: 700; padding: 4px 0; }
        th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; margin: 16px 0; max-width: 32rem; }
        .card.wide { max-width: none; }
        .columns { display: flex; flex-wrap: wrap; gap: 16px; }
        .columns > * { flex: 1 1 16rem; }
        label { display: block; font-weight: 600; margin-top: 8px; }
        input, select, textarea { font: inherit; width: 100%; padding: 6px 8px; border: 1px solid var(--muted); border-radius: 4px; }
        textarea { resize: vertical; }
        button { font: inherit; margin-top: 12px; padding: 6px 14px; border-radius: 4px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
        .signout button, td button { margin-top: 0; }
        button.secondary { background: #fff; color: var(--accent); }
        .chart { max-width: 720px; font-size: 12px; }
        .chart rect { fill: var(--accent); }
        .chart text { fill: var(--ink); }
        fieldset { border: 1px solid var(--line); border-radius: 4px; margin: 12px 0; }
        label.inline { display: flex; gap: 8px; align-items: center; font-weight: 400; }
        label.inline input { width: auto; }
        .dropzone.over { outline: 3px dashed var(--accent); }
        button.danger { background: var(--bad); border-color: var(--bad); }
        .results section { max-width: none; }
        .preview { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; }
        :focus-visible { outline: 3px solid #f4b400; outline-offset: 2px; }
        .error { color: var(--bad); margin: 4px 0; }
        .flash { background: #e6f4ea; border: 1px solid #a8dab5; padding: 8px 12px; border-radius: 4px; }
        .hint { color: var(--muted); font-size: 0.9rem; margin: 2px 0; }
        .mono, code { font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
        .facts dt { font-weight: 600; }
        .facts dd { margin: 0 0 8px 0; }
        .tiles { display: flex; flex-wrap: wrap; gap: 12px; list-style: none; padding: 0; }
        .tiles a { display: block; padding: 12px 16px; border: 1px solid var(--line); border-radius: 6px; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
        .conversation .turn { padding: 8px 12px; border-radius: 6px; margin: 8px 0; }
        .conversation .question { background: #e8f0fe; }
        .conversation .answer { background: var(--card); border: 1px solid var(--line); }
        .sources { font-size: 0.9rem; color: var(--muted); }
        .verified { background: #e6f4ea; border: 1px solid #a8dab5; padding: 8px 12px; border-radius: 4px; }
        .broken { background: #fce8e6; border: 1px solid var(--bad); color: var(--bad); padding: 8px 12px; border-radius: 4px; font-weight: 700; }
        tr.denied td { color: var(--bad); }
        @media (max-width: 600px) { .signout { margin-left: 0; } main { padding: 8px; } .card { max-width: none; } }
        """
}
