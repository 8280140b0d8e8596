/// A team's prompt profile editor and the members' playground.
enum TeamTemplates {
    static let profile = """
        {{<layout}}
        {{$title}}Prompt profile{{/title}}
        {{$main}}
        <h1>Prompt profile of <code>{{team}}</code></h1>
        <p>Version {{version}}. A saved profile applies from the team's next request.</p>
        {{#errors.form}}<p class="error" role="alert">{{.}}</p>{{/errors.form}}
        <form method="post" action="/console/teams/{{team}}/profile" class="card wide">
        <input type="hidden" name="csrf" value="{{session.csrf}}">
        <label for="system-prompt">System prompt</label>
        <p class="hint" id="system-prompt-hint">Variables: <code>&#123;&#123;team&#125;&#125;</code>, <code>&#123;&#123;org&#125;&#125;</code>,
          <code>&#123;&#123;user&#125;&#125;</code>, <code>&#123;&#123;date&#125;&#125;</code> are filled in for each request.</p>
        <textarea id="system-prompt" name="system_prompt" rows="8" maxlength="32768" {{^mayChange}}readonly{{/mayChange}}
          aria-describedby="system-prompt-hint system-prompt-error"{{#errors.system_prompt}} aria-invalid="true"{{/errors.system_prompt}}>{{values.system_prompt}}</textarea>
        {{#errors.system_prompt}}<p class="error" id="system-prompt-error" role="alert">{{.}}</p>{{/errors.system_prompt}}
        <div class="columns">
        <div>
        <label for="temperature">Temperature (0–2)</label>
        <input id="temperature" name="temperature" inputmode="decimal" value="{{values.temperature}}" {{^mayChange}}readonly{{/mayChange}}
          aria-describedby="temperature-error"{{#errors.temperature}} aria-invalid="true"{{/errors.temperature}}>
        {{#errors.temperature}}<p class="error" id="temperature-error" role="alert">{{.}}</p>{{/errors.temperature}}
        </div>
        <div>
        <label for="top-p">Top p (0–1)</label>
        <input id="top-p" name="top_p" inputmode="decimal" value="{{values.top_p}}" {{^mayChange}}readonly{{/mayChange}}
          aria-describedby="top-p-error"{{#errors.top_p}} aria-invalid="true"{{/errors.top_p}}>
        {{#errors.top_p}}<p class="error" id="top-p-error" role="alert">{{.}}</p>{{/errors.top_p}}
        </div>
        <div>
        <label for="max-tokens">Max tokens</label>
        <input id="max-tokens" name="max_tokens" inputmode="numeric" value="{{values.max_tokens}}" {{^mayChange}}readonly{{/mayChange}}
          aria-describedby="max-tokens-error"{{#errors.max_tokens}} aria-invalid="true"{{/errors.max_tokens}}>
        {{#errors.max_tokens}}<p class="error" id="max-tokens-error" role="alert">{{.}}</p>{{/errors.max_tokens}}
        </div>
        </div>
        {{#mayChange}}<button type="submit">Save profile</button>{{/mayChange}}
        </form>
        {{/main}}
        {{/layout}}
        """

    static let playground = """
        {{<layout}}
        {{$title}}Playground{{/title}}
        {{$main}}
        <h1>Playground</h1>
        <p>Chat with the team's model, with the team's prompt profile and knowledge.</p>
        <div id="conversation" class="conversation" aria-live="polite"></div>
        <form id="chat" class="card wide" data-csrf="{{session.csrf}}" data-endpoint="/console/playground/chat">
        <label for="message">Message</label>
        <textarea id="message" name="message" rows="3" required maxlength="16000" aria-describedby="message-error"></textarea>
        <p class="error" id="message-error" role="alert" hidden></p>
        <button type="submit">Send</button>
        </form>
        {{/main}}
        {{/layout}}
        """
}
