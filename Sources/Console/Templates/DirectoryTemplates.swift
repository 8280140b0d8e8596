/// Organizations, teams, users, memberships and keys. A form's error is shown next to the
/// field the API named (`errors.<field>`), or above the form when it named none
/// (`errors.form`); what was typed comes back in `values`.
enum DirectoryTemplates {
    static let organizations = """
        {{<layout}}
        {{$title}}Organizations{{/title}}
        {{$main}}
        <h1>Organizations</h1>
        <table>
        <caption>Organizations you administer</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">Id</th></tr></thead>
        <tbody>
        {{#organizations}}<tr><td><a href="/console/orgs/{{id}}">{{name}}</a></td><td><code>{{id}}</code></td></tr>{{/organizations}}
        {{^organizations}}<tr><td colspan="2">No organizations yet.</td></tr>{{/organizations}}
        </tbody>
        </table>
        {{#mayCreate}}
        <h2>New organization</h2>
        <form method="post" action="/console/orgs" class="card">
        <input type="hidden" name="csrf" value="{{session.csrf}}">
        {{#errors.form}}<p class="error" role="alert">{{.}}</p>{{/errors.form}}
        <label for="org-name">Name</label>
        <input id="org-name" name="name" required maxlength="64" value="{{values.name}}"
          aria-describedby="org-name-error"{{#errors.name}} aria-invalid="true"{{/errors.name}}>
        {{#errors.name}}<p class="error" id="org-name-error" role="alert">{{.}}</p>{{/errors.name}}
        <button type="submit">Create organization</button>
        </form>
        {{/mayCreate}}
        {{/main}}
        {{/layout}}
        """

    static let organization = """
        {{<layout}}
        {{$title}}Organization{{/title}}
        {{$main}}
        <h1>Organization <code>{{organization}}</code></h1>
        <table>
        <caption>Teams</caption>
        <thead><tr><th scope="col">Team</th><th scope="col">Id</th></tr></thead>
        <tbody>
        {{#teams}}<tr><td><a href="/console/teams/{{id}}">{{name}}</a></td><td><code>{{id}}</code></td></tr>{{/teams}}
        {{^teams}}<tr><td colspan="2">No teams yet.</td></tr>{{/teams}}
        </tbody>
        </table>
        {{#errors.form}}<p class="error" role="alert">{{.}}</p>{{/errors.form}}
        <div class="columns">
        <form method="post" action="/console/orgs/{{organization}}/teams" class="card">
        <h2>New team</h2>
        <input type="hidden" name="csrf" value="{{session.csrf}}">
        <label for="team-name">Team name</label>
        <input id="team-name" name="name" required maxlength="64" value="{{values.team}}"
          aria-describedby="team-name-error"{{#errors.team}} aria-invalid="true"{{/errors.team}}>
        {{#errors.team}}<p class="error" id="team-name-error" role="alert">{{.}}</p>{{/errors.team}}
        <button type="submit">Create team</button>
        </form>
        <form method="post" action="/console/orgs/{{organization}}/users" class="card">
        <h2>New user</h2>
        <input type="hidden" name="csrf" value="{{session.csrf}}">
        <label for="user-name">User name</label>
        <input id="user-name" name="name" required maxlength="64" value="{{values.user}}"
          aria-describedby="user-name-error"{{#errors.user}} aria-invalid="true"{{/errors.user}}>
        {{#errors.user}}<p class="error" id="user-name-error" role="alert">{{.}}</p>{{/errors.user}}
        <label for="user-email">E-mail (optional)</label>
        <input id="user-email" name="email" type="email" maxlength="254" value="{{values.email}}"
          aria-describedby="user-email-error"{{#errors.email}} aria-invalid="true"{{/errors.email}}>
        {{#errors.email}}<p class="error" id="user-email-error" role="alert">{{.}}</p>{{/errors.email}}
        <button type="submit">Create user</button>
        </form>
        </div>
        {{#createdUser}}<p class="flash" role="status">User <strong>{{name}}</strong> created (id <code>{{id}}</code>).</p>{{/createdUser}}
        {{/main}}
        {{/layout}}
        """

    static let team = """
        {{<layout}}
        {{$title}}Team{{/title}}
        {{$main}}
        <h1>Team <code>{{team}}</code></h1>
        <p class="links">{{#mayProfile}}<a href="/console/teams/{{teamPath}}/profile">Prompt profile</a> · {{/mayProfile}}
        {{#mayLimits}}<a href="/console/teams/{{teamPath}}/limits">Limits</a>{{/mayLimits}}</p>
        {{#errors.form}}<p class="error" role="alert">{{.}}</p>{{/errors.form}}
        <table>
        <caption>Members</caption>
        <thead><tr><th scope="col">User</th><th scope="col">Role</th></tr></thead>
        <tbody>
        {{#members}}<tr><td><code>{{user}}</code></td><td>{{role}}</td></tr>{{/members}}
        {{^members}}<tr><td colspan="2">No members yet.</td></tr>{{/members}}
        </tbody>
        </table>
        <form method="post" action="/console/teams/{{teamPath}}/members" class="card">
        <h2>Add or change a member</h2>
        <input type="hidden" name="csrf" value="{{session.csrf}}">
        <label for="member-user">User (name or id)</label>
        <input id="member-user" name="user" required maxlength="64" value="{{values.member}}"
          aria-describedby="member-user-error"{{#errors.member}} aria-invalid="true"{{/errors.member}}>
        {{#errors.member}}<p class="error" id="member-user-error" role="alert">{{.}}</p>{{/errors.member}}
        <label for="member-role">Role</label>
        <select id="member-role" name="role" aria-describedby="member-role-error">
        <option value="member">member</option><option value="viewer">viewer</option><option value="admin">team admin</option>
        </select>
        {{#errors.role}}<p class="error" id="member-role-error" role="alert">{{.}}</p>{{/errors.role}}
        <button type="submit">Save membership</button>
        </form>
        <table>
        <caption>Keys</caption>
        <thead><tr><th scope="col">Prefix</th><th scope="col">Name</th><th scope="col">Holder</th><th scope="col">Role</th>
        <th scope="col">Expires</th><th scope="col">Status</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody>
        {{#keys}}<tr><td><code>{{prefix}}</code></td><td>{{name}}</td><td><code>{{user}}</code></td><td>{{role}}</td>
        <td>{{expires}}</td><td>{{status}}</td><td>{{#revocable}}<form method="post" action="/console/teams/{{teamPath}}/keys/{{id}}/revoke">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" aria-label="Revoke key {{prefix}}">Revoke</button></form>{{/revocable}}</td></tr>{{/keys}}
        {{^keys}}<tr><td colspan="7">No keys yet.</td></tr>{{/keys}}
        </tbody>
        </table>
        <form method="post" action="/console/teams/{{teamPath}}/keys" class="card">
        <h2>Issue a key</h2>
        <input type="hidden" name="csrf" value="{{session.csrf}}">
        <label for="key-user">Holder (user name or id)</label>
        <input id="key-user" name="user" required maxlength="64" value="{{values.user}}"
          aria-describedby="key-user-error"{{#errors.user}} aria-invalid="true"{{/errors.user}}>
        {{#errors.user}}<p class="error" id="key-user-error" role="alert">{{.}}</p>{{/errors.user}}
        <label for="key-name">Key name (optional)</label>
        <input id="key-name" name="name" maxlength="64" value="{{values.name}}"
          aria-describedby="key-name-error"{{#errors.name}} aria-invalid="true"{{/errors.name}}>
        {{#errors.name}}<p class="error" id="key-name-error" role="alert">{{.}}</p>{{/errors.name}}
        <label for="key-role">Role (optional: the holder's)</label>
        <select id="key-role" name="role">
        <option value="">holder's role</option><option value="member">member</option><option value="viewer">viewer</option><option value="admin">team admin</option>
        </select>
        <label for="key-expiry">Expires after days (optional)</label>
        <input id="key-expiry" name="expires_in_days" type="number" min="1" max="3650" value="{{values.expires_in_days}}"
          aria-describedby="key-expiry-error"{{#errors.expires_at}} aria-invalid="true"{{/errors.expires_at}}>
        {{#errors.expires_at}}<p class="error" id="key-expiry-error" role="alert">{{.}}</p>{{/errors.expires_at}}
        <button type="submit">Issue key</button>
        </form>
        {{/main}}
        {{/layout}}
        """

    /// The only place a new key's secret is ever shown.
    static let issuedKey = """
        {{<layout}}
        {{$title}}New key{{/title}}
        {{$main}}
        <h1>New key</h1>
        <p>Copy the key now: it is shown this once and cannot be shown again.</p>
        <div class="card secret">
        <label for="secret">Key {{prefix}}</label>
        <input id="secret" readonly value="{{secret}}" class="mono">
        <button type="button" data-copy="secret">Copy</button>
        <span data-copied-for="secret" role="status" aria-live="polite"></span>
        </div>
        <p><a href="/console/teams/{{teamPath}}">Back to the team</a></p>
        {{/main}}
        {{/layout}}
        """

    static let audit = """
        {{<layout}}
        {{$title}}Audit{{/title}}
        {{$main}}
        <h1>Audit</h1>
        <form method="get" action="/console/audit" class="card wide filters">
        {{#errors.form}}<p class="error" role="alert">{{.}}</p>{{/errors.form}}
        <div class="columns">
        <div><label for="audit-team">Team (id or org/team)</label>
        <input id="audit-team" name="team" value="{{values.team}}" aria-describedby="audit-team-error">
        {{#errors.team}}<p class="error" id="audit-team-error" role="alert">{{.}}</p>{{/errors.team}}</div>
        <div><label for="audit-since">Since</label>
        <input id="audit-since" name="since" type="date" value="{{values.since}}" aria-describedby="audit-since-error">
        {{#errors.since}}<p class="error" id="audit-since-error" role="alert">{{.}}</p>{{/errors.since}}</div>
        <div><label for="audit-until">Until</label>
        <input id="audit-until" name="until" type="date" value="{{values.until}}" aria-describedby="audit-until-error">
        {{#errors.until}}<p class="error" id="audit-until-error" role="alert">{{.}}</p>{{/errors.until}}</div>
        <div><label for="audit-limit">At most</label>
        <input id="audit-limit" name="limit" inputmode="numeric" value="{{values.limit}}" aria-describedby="audit-limit-error">
        {{#errors.limit}}<p class="error" id="audit-limit-error" role="alert">{{.}}</p>{{/errors.limit}}</div>
        </div>
        <button type="submit">Filter</button>
        </form>
        {{#canVerifyChain}}
        <form method="get" action="/console/audit" class="card wide">
        <h2>Hash chain</h2>
        <p class="hint">Every record carries the hash of the one before it; the check walks the whole chain, as
          <code>atrium audit verify</code> does.</p>
        <input type="hidden" name="verify" value="1">
        <button type="submit" id="chain-verify">Verify the chain</button>
        {{#verification}}
        {{#intact}}<p id="chain-status" class="verified" role="status">Verified: the chain is intact through
          {{records}} records.</p>{{/intact}}
        {{^intact}}<p id="chain-status" class="broken" role="alert">Broken at record {{brokenAt}}: {{problem}}
          ({{records}} records intact before it).</p>{{/intact}}
        {{/verification}}
        </form>
        {{/canVerifyChain}}
        <table>
        <caption>Records, newest first</caption>
        <thead><tr><th scope="col">Time (UTC)</th><th scope="col">Action</th><th scope="col">Resource</th>
        <th scope="col">Decision</th><th scope="col">Key</th><th scope="col">Team</th><th scope="col">Tokens</th></tr></thead>
        <tbody>
        {{#records}}<tr{{#denied}} class="denied"{{/denied}}><td>{{time}}</td><td>{{action}}</td><td><code>{{resource}}</code></td>
        <td>{{decision}}{{#reason}} ({{reason}}){{/reason}}</td><td><code>{{key}}</code></td><td><code>{{team}}</code></td><td>{{tokens}}</td></tr>{{/records}}
        {{^records}}<tr><td colspan="7">No records.</td></tr>{{/records}}
        </tbody>
        </table>
        {{/main}}
        {{/layout}}
        """

    static let alerts = """
        {{<layout}}
        {{$title}}Alerts{{/title}}
        {{$main}}
        <h1>Security alerts</h1>
        <form method="get" action="/console/alerts" class="card wide filters">
        {{#errors.form}}<p class="error" role="alert">{{.}}</p>{{/errors.form}}
        <div class="columns">
        <div><label for="alerts-team">Team (id or org/team)</label>
        <input id="alerts-team" name="team" value="{{values.team}}" aria-describedby="alerts-team-error"
          {{#errors.team}} aria-invalid="true"{{/errors.team}}>
        {{#errors.team}}<p class="error" id="alerts-team-error" role="alert">{{.}}</p>{{/errors.team}}</div>
        <div><label for="alerts-since">Since</label>
        <input id="alerts-since" name="since" type="date" value="{{values.since}}" aria-describedby="alerts-since-error"
          {{#errors.since}} aria-invalid="true"{{/errors.since}}>
        {{#errors.since}}<p class="error" id="alerts-since-error" role="alert">{{.}}</p>{{/errors.since}}</div>
        <div><label for="alerts-limit">At most</label>
        <input id="alerts-limit" name="limit" inputmode="numeric" value="{{values.limit}}" aria-describedby="alerts-limit-error"
          {{#errors.limit}} aria-invalid="true"{{/errors.limit}}>
        {{#errors.limit}}<p class="error" id="alerts-limit-error" role="alert">{{.}}</p>{{/errors.limit}}</div>
        </div>
        <button type="submit">Filter</button>
        </form>
        <table>
        <caption>Alerts, newest first</caption>
        <thead><tr><th scope="col">Time (UTC)</th><th scope="col">Kind</th><th scope="col">Address</th>
        <th scope="col">Key</th><th scope="col">Team</th><th scope="col">Reached for</th><th scope="col">Detail</th></tr></thead>
        <tbody>
        {{#alerts}}<tr><td>{{time}}</td><td>{{kind}}</td><td><code>{{address}}</code></td><td><code>{{key}}</code></td>
        <td><code>{{team}}</code></td><td><code>{{target}}</code></td><td>{{detail}}</td></tr>{{/alerts}}
        {{^alerts}}<tr><td colspan="7">No alerts.</td></tr>{{/alerts}}
        </tbody>
        </table>
        {{/main}}
        {{/layout}}
        """

    /// One chart (`{{> chart}}` with a chart's view as context).
    static let chart = """
        <svg role="img" aria-labelledby="{{id}}-title" viewBox="0 0 {{width}} {{height}}" width="100%" class="chart">
        <title id="{{id}}-title">{{title}}</title>
        {{#bars}}<g><text x="0" y="{{textY}}">{{label}}</text>
        <rect x="{{x}}" y="{{y}}" width="{{width}}" height="{{barHeight}}"></rect>
        <text x="{{valueX}}" y="{{textY}}">{{value}}</text></g>
        {{/bars}}
        </svg>
        {{#empty}}<p>No usage in this range.</p>{{/empty}}
        """

    static let usage = """
        {{<layout}}
        {{$title}}Usage{{/title}}
        {{$main}}
        <h1>Usage</h1>
        <form method="get" action="/console/usage" class="card wide filters">
        {{#errors.form}}<p class="error" role="alert">{{.}}</p>{{/errors.form}}
        <div class="columns">
        <div><label for="usage-team">Team (id or org/team)</label>
        <input id="usage-team" name="team" value="{{values.team}}" aria-describedby="usage-team-error">
        {{#errors.team}}<p class="error" id="usage-team-error" role="alert">{{.}}</p>{{/errors.team}}</div>
        <div><label for="usage-since">Since</label>
        <input id="usage-since" name="since" type="date" value="{{values.since}}" aria-describedby="usage-since-error">
        {{#errors.since}}<p class="error" id="usage-since-error" role="alert">{{.}}</p>{{/errors.since}}</div>
        <div><label for="usage-until">Until</label>
        <input id="usage-until" name="until" type="date" value="{{values.until}}" aria-describedby="usage-until-error">
        {{#errors.until}}<p class="error" id="usage-until-error" role="alert">{{.}}</p>{{/errors.until}}</div>
        </div>
        <button type="submit">Show</button>
        </form>
        {{#days}}<h2>Tokens per day</h2>{{> chart}}{{/days}}
        {{#users}}<h2>Tokens per user</h2>{{> chart}}{{/users}}
        {{#keys}}<h2>Tokens per key</h2>{{> chart}}{{/keys}}
        {{/main}}
        {{/layout}}
        """
}
