/// A team's prompt profile editor and the members' playground.
enum TeamTemplates {
    static let profile = """
        {{<layout}}
        {{$title}}Prompt profile{{/title}}
        {{$main}}
        <h1>Prompt profile of <code>{{team}}</code></h1>
        <p>Version {{version}}. A saved profile applies from the team's next request.</p>
        {{#errors.form}}<p class="error" role="alert">{{.}}</p>{{/errors.form}}
        <form method="post" action="/console/teams/{{teamPath}}/profile" class="card wide">
        <input type="hidden" name="csrf" value="{{session.csrf}}">
        <label for="system-prompt">System prompt</label>
        {{! HTML drops the line break right after <textarea>: each text area writes one, so that a value keeps its own. }}
        <p class="hint" id="system-prompt-hint">Variables: <code>&#123;&#123;team&#125;&#125;</code>, <code>&#123;&#123;org&#125;&#125;</code>,
          <code>&#123;&#123;user&#125;&#125;</code>, <code>&#123;&#123;date&#125;&#125;</code> are filled in for each request.</p>
        <textarea id="system-prompt" name="system_prompt" rows="8" maxlength="32768" {{^mayChange}}readonly{{/mayChange}}
          aria-describedby="system-prompt-hint system-prompt-error"{{#errors.system_prompt}} aria-invalid="true"{{/errors.system_prompt}}>
        {{values.system_prompt}}</textarea>
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
        <label for="max-tokens">Max tokens per answer (ceiling, 1–131072)</label>
        <input id="max-tokens" name="max_tokens" inputmode="numeric" value="{{values.max_tokens}}" {{^mayChange}}readonly{{/mayChange}}
          aria-describedby="max-tokens-error"{{#errors.max_tokens}} aria-invalid="true"{{/errors.max_tokens}}>
        {{#errors.max_tokens}}<p class="error" id="max-tokens-error" role="alert">{{.}}</p>{{/errors.max_tokens}}
        </div>
        </div>
        <fieldset>
        <legend>Retrieval from the team's knowledge</legend>
        <input type="hidden" name="retrieval_shown" value="1">
        <label class="inline"><input type="checkbox" id="retrieval-enabled" name="retrieval_enabled" value="1"
          {{#retrievalEnabled}}checked{{/retrievalEnabled}} {{^mayChange}}disabled{{/mayChange}}> Answer from the team's documents</label>
        <label for="retrieval-top-k">Chunks per answer (1–50)</label>
        <input id="retrieval-top-k" name="retrieval_top_k" inputmode="numeric" value="{{values.retrieval_top_k}}" {{^mayChange}}readonly{{/mayChange}}
          aria-describedby="retrieval-top-k-error"{{#errors.retrieval_top_k}} aria-invalid="true"{{/errors.retrieval_top_k}}>
        {{#errors.retrieval_top_k}}<p class="error" id="retrieval-top-k-error" role="alert">{{.}}</p>{{/errors.retrieval_top_k}}
        <label for="retrieval-chunks-per-document">At most chunks from one document (1–50)</label>
        <input id="retrieval-chunks-per-document" name="retrieval_chunks_per_document" inputmode="numeric"
          value="{{values.retrieval_chunks_per_document}}" {{^mayChange}}readonly{{/mayChange}}
          aria-describedby="retrieval-chunks-per-document-error"{{#errors.retrieval_chunks_per_document}} aria-invalid="true"{{/errors.retrieval_chunks_per_document}}>
        {{#errors.retrieval_chunks_per_document}}<p class="error" id="retrieval-chunks-per-document-error" role="alert">{{.}}</p>{{/errors.retrieval_chunks_per_document}}
        <label for="retrieval-collections">Collections (comma-separated; empty: all)</label>
        <input id="retrieval-collections" name="retrieval_collections" value="{{values.retrieval_collections}}" {{^mayChange}}readonly{{/mayChange}}
          aria-describedby="retrieval-collections-error"{{#errors.retrieval_collections}} aria-invalid="true"{{/errors.retrieval_collections}}>
        {{#errors.retrieval_collections}}<p class="error" id="retrieval-collections-error" role="alert">{{.}}</p>{{/errors.retrieval_collections}}
        </fieldset>
        <fieldset>
        <legend>Models</legend>
        <label for="allowed-models">Allowed models (comma-separated; empty: every served model)</label>
        <p class="hint" id="allowed-models-hint">Served here: {{servedModels}}.</p>
        <input id="allowed-models" name="allowed_models" value="{{values.allowed_models}}" {{^mayChange}}readonly{{/mayChange}}
          aria-describedby="allowed-models-hint allowed-models-error"{{#errors.allowed_models}} aria-invalid="true"{{/errors.allowed_models}}>
        {{#errors.allowed_models}}<p class="error" id="allowed-models-error" role="alert">{{.}}</p>{{/errors.allowed_models}}
        </fieldset>
        <fieldset>
        <legend>Semantic response cache</legend>
        <input type="hidden" name="semantic_cache_shown" value="1">
        <label class="inline"><input type="checkbox" id="semantic-cache-enabled" name="semantic_cache_enabled" value="1"
          {{#semanticCacheEnabled}}checked{{/semanticCacheEnabled}} {{^mayChange}}disabled{{/mayChange}}> Answer questions of the same meaning from the team's cache</label>
        <label for="semantic-cache-threshold">Similarity needed (cosine, above 0 and at most 1)</label>
        <input id="semantic-cache-threshold" name="semantic_cache_threshold" inputmode="decimal" value="{{values.semantic_cache_threshold}}"
          {{^mayChange}}readonly{{/mayChange}}
          aria-describedby="semantic-cache-threshold-error"{{#errors.semantic_cache_threshold}} aria-invalid="true"{{/errors.semantic_cache_threshold}}>
        {{#errors.semantic_cache_threshold}}<p class="error" id="semantic-cache-threshold-error" role="alert">{{.}}</p>{{/errors.semantic_cache_threshold}}
        </fieldset>
        <fieldset>
        <legend>Guardrails</legend>
        <label for="guardrails">Guardrails (JSON, as the API's profile takes them; empty: none)</label>
        <p class="hint" id="guardrails-hint">For example <code>{"pii":{"email":"redact","iban":"block"},"injection":{"input":"flag","sources":"drop_chunk"}}</code>.</p>
        <textarea id="guardrails" name="guardrails" rows="8" class="mono" maxlength="65536" {{^mayChange}}readonly{{/mayChange}}
          aria-describedby="guardrails-hint guardrails-error"{{#errors.guardrails}} aria-invalid="true"{{/errors.guardrails}}>
        {{values.guardrails}}</textarea>
        {{#errors.guardrails}}<p class="error" id="guardrails-error" role="alert">{{.}}</p>{{/errors.guardrails}}
        </fieldset>
        {{#mayChange}}<button type="submit">Save profile</button>{{/mayChange}}
        <button type="submit" class="secondary" formaction="/console/teams/{{teamPath}}/profile/preview">Preview</button>
        </form>
        <section aria-labelledby="preview-heading" class="card wide">
        <h2 id="preview-heading">Rendered system prompt</h2>
        <p class="hint">As the team's next request receives it (variables filled for you, today).</p>
        <pre id="preview" class="preview">{{preview}}</pre>
        </section>
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
        <label for="model">Model</label>
        <select id="model" name="model">
        {{#models}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{id}}</option>{{/models}}
        </select>
        {{^models}}<p class="error" role="alert">The team's profile allows none of the models served here.</p>{{/models}}
        <label for="message">Message</label>
        <textarea id="message" name="message" rows="3" required maxlength="16000" aria-describedby="message-error"></textarea>
        <p class="error" id="message-error" role="alert" hidden></p>
        <button type="submit">Send</button>
        </form>
        {{/main}}
        {{/layout}}
        """

    static let limits = """
        {{<layout}}
        {{$title}}Limits{{/title}}
        {{$main}}
        <h1>Limits of <code>{{team}}</code></h1>
        <p>Empty means unlimited. {{^mayChange}}Only the owner and organization admins change a team's limits.{{/mayChange}}</p>
        {{#errors.form}}<p class="error" role="alert">{{.}}</p>{{/errors.form}}
        <form method="post" action="/console/teams/{{teamPath}}/limits" class="card">
        <input type="hidden" name="csrf" value="{{session.csrf}}">
        <label for="requests-per-minute">Requests per minute</label>
        <input id="requests-per-minute" name="requests_per_minute" inputmode="numeric" value="{{values.requests_per_minute}}"
          {{^mayChange}}readonly{{/mayChange}} aria-describedby="requests-per-minute-error"{{#errors.requests_per_minute}} aria-invalid="true"{{/errors.requests_per_minute}}>
        {{#errors.requests_per_minute}}<p class="error" id="requests-per-minute-error" role="alert">{{.}}</p>{{/errors.requests_per_minute}}
        <label for="tokens-per-minute">Tokens per minute</label>
        <input id="tokens-per-minute" name="tokens_per_minute" inputmode="numeric" value="{{values.tokens_per_minute}}"
          {{^mayChange}}readonly{{/mayChange}} aria-describedby="tokens-per-minute-error"{{#errors.tokens_per_minute}} aria-invalid="true"{{/errors.tokens_per_minute}}>
        {{#errors.tokens_per_minute}}<p class="error" id="tokens-per-minute-error" role="alert">{{.}}</p>{{/errors.tokens_per_minute}}
        <label for="max-concurrent">Requests at once</label>
        <input id="max-concurrent" name="max_concurrent" inputmode="numeric" value="{{values.max_concurrent}}"
          {{^mayChange}}readonly{{/mayChange}} aria-describedby="max-concurrent-error"{{#errors.max_concurrent}} aria-invalid="true"{{/errors.max_concurrent}}>
        {{#errors.max_concurrent}}<p class="error" id="max-concurrent-error" role="alert">{{.}}</p>{{/errors.max_concurrent}}
        <label for="monthly-tokens">Tokens per month (UTC)</label>
        <input id="monthly-tokens" name="monthly_tokens" inputmode="numeric" value="{{values.monthly_tokens}}"
          {{^mayChange}}readonly{{/mayChange}} aria-describedby="monthly-tokens-error"{{#errors.monthly_tokens}} aria-invalid="true"{{/errors.monthly_tokens}}>
        {{#errors.monthly_tokens}}<p class="error" id="monthly-tokens-error" role="alert">{{.}}</p>{{/errors.monthly_tokens}}
        <label for="weight">Share weight under contention (0.01–100)</label>
        <input id="weight" name="weight" inputmode="decimal" value="{{values.weight}}"
          {{^mayChange}}readonly{{/mayChange}} aria-describedby="weight-error"{{#errors.weight}} aria-invalid="true"{{/errors.weight}}>
        {{#errors.weight}}<p class="error" id="weight-error" role="alert">{{.}}</p>{{/errors.weight}}
        {{#mayChange}}<button type="submit">Save limits</button>{{/mayChange}}
        </form>
        {{/main}}
        {{/layout}}
        """

    static let knowledge = """
        {{<layout}}
        {{$title}}Knowledge{{/title}}
        {{$main}}
        <h1>Knowledge</h1>
        <table>
        <caption>Collections of your team</caption>
        <thead><tr><th scope="col">Collection</th><th scope="col">Documents</th><th scope="col">Chunks</th></tr></thead>
        <tbody>
        {{#collections}}<tr><td><a href="/console/knowledge/{{path}}">{{name}}</a></td><td>{{documents}}</td><td>{{chunks}}</td></tr>{{/collections}}
        {{^collections}}<tr><td colspan="3">No collections yet.</td></tr>{{/collections}}
        </tbody>
        </table>
        {{#mayWrite}}
        <form method="post" action="/console/knowledge" class="card">
        <h2>New collection</h2>
        <input type="hidden" name="csrf" value="{{session.csrf}}">
        {{#errors.form}}<p class="error" role="alert">{{.}}</p>{{/errors.form}}
        <label for="collection-name">Name</label>
        <input id="collection-name" name="name" required maxlength="64" value="{{values.name}}"
          aria-describedby="collection-name-error"{{#errors.name}} aria-invalid="true"{{/errors.name}}>
        {{#errors.name}}<p class="error" id="collection-name-error" role="alert">{{.}}</p>{{/errors.name}}
        <button type="submit">Create collection</button>
        </form>
        {{/mayWrite}}
        {{/main}}
        {{/layout}}
        """

    static let collection = """
        {{<layout}}
        {{$title}}Collection{{/title}}
        {{$main}}
        <h1>Collection <code>{{collection}}</code></h1>
        <table>
        <caption>Documents</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">Format</th><th scope="col">Chunks</th><th scope="col">Bytes</th>
        <th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody>
        {{#documents}}<tr><td>{{name}}</td><td>{{format}}</td><td>{{chunks}}</td><td>{{bytes}}</td>
        <td>{{#mayWrite}}<form method="post" action="/console/knowledge/{{path}}/documents/{{id}}/delete">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" aria-label="Delete {{name}}">Delete</button></form>{{/mayWrite}}</td></tr>{{/documents}}
        {{^documents}}<tr><td colspan="5">No documents yet.</td></tr>{{/documents}}
        </tbody>
        </table>
        {{#mayWrite}}
        <form id="upload" class="card wide dropzone" data-csrf="{{session.csrf}}" data-endpoint="/console/knowledge/{{path}}/documents"
          data-limit="{{uploadLimit}}">
        <h2>Upload documents</h2>
        <label for="files">Files (txt, md, html, pdf, docx, csv, json) — or drop them here</label>
        <input id="files" name="files" type="file" multiple aria-describedby="files-error">
        <progress id="upload-progress" max="100" value="0" hidden aria-label="Upload progress"></progress>
        <p id="upload-status" role="status" aria-live="polite"></p>
        <p class="error" id="files-error" role="alert" hidden></p>
        <button type="submit">Upload</button>
        </form>
        {{/mayWrite}}
        <form method="get" action="/console/knowledge/{{path}}" class="card wide">
        <h2>Search tester</h2>
        <label for="query">Query</label>
        <input id="query" name="query" value="{{query}}" required maxlength="2000">
        <button type="submit">Search BM25, vectors and hybrid</button>
        </form>
        {{#hasResults}}<div class="columns results">{{/hasResults}}
        {{#columns}}<section aria-label="{{mode}} results" class="card"><h3>{{mode}}</h3>
        {{#error}}<p class="error">{{.}}</p>{{/error}}
        <ol>{{#hits}}<li><strong>{{document}}</strong> (section {{chunk}}{{#section}}: {{section}}{{/section}}) · {{score}}<br><span class="hint">{{text}}</span></li>{{/hits}}</ol>
        </section>{{/columns}}
        {{#hasResults}}</div>{{/hasResults}}
        {{#mayWrite}}
        <form method="post" action="/console/knowledge/{{path}}/delete" class="card">
        <input type="hidden" name="csrf" value="{{session.csrf}}">
        <button type="submit" class="danger">Delete this collection and its documents</button>
        </form>
        {{/mayWrite}}
        {{/main}}
        {{/layout}}
        """
}
