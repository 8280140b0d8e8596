/// The page frame every console page inherits (`{{<layout}}`), the sign-in page and the
/// error page. Templates are Swift strings, compiled into the binary: the `atrium` executable
/// stays one file that can be copied anywhere (package resources would have to travel in a
/// bundle folder beside it). Every variable is written `{{name}}`, which HTML-escapes
/// `& < > " '`; the unescaped forms (`{{{…}}}`, `{{&…}}`) are banned by a test.
enum LayoutTemplates {
    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{$title}}Atrium{{/title}} · Atrium console</title>
        <link rel="stylesheet" href="/console/assets/console.css">
        <script src="/console/assets/console.js" defer></script>
        </head>
        <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
        <a class="brand" href="/console">Atrium</a>
        {{#session}}
        <nav aria-label="Console sections">
        <ul>
        {{#nav}}<li><a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a></li>{{/nav}}
        </ul>
        </nav>
        <form class="signout" method="post" action="/console/sign-out">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <span class="who">{{keyPrefix}} · {{roleLabel}}</span>
        <button type="submit">Sign out</button>
        </form>
        {{/session}}
        </header>
        <main id="main" tabindex="-1">
        {{#flash}}<p class="flash" role="alert">{{.}}</p>{{/flash}}
        {{$main}}{{/main}}
        </main>
        </body>
        </html>
        """

    static let signIn = """
        {{<layout}}
        {{$title}}Sign in{{/title}}
        {{$main}}
        <h1>Sign in</h1>
        <p>Sign in with an Atrium API key. The key is checked once and exchanged for a session; it is not kept by your browser.</p>
        <form method="post" action="/console/sign-in" class="card">
        <input type="hidden" name="nonce" value="{{nonce}}">
        <label for="key">API key</label>
        <input id="key" name="key" type="password" autocomplete="off" required
          aria-describedby="key-error"{{#keyError}} aria-invalid="true"{{/keyError}}>
        {{#keyError}}<p class="error" id="key-error" role="alert">{{.}}</p>{{/keyError}}
        <button type="submit">Sign in</button>
        </form>
        {{#singleSignOn}}
        <section class="card" aria-labelledby="sso-heading">
        <h2 id="sso-heading">Single sign-on</h2>
        {{#ssoError}}<p class="error" id="sso-error" role="alert">{{.}}</p>{{/ssoError}}
        <p><a class="button" href="/console/sso/start">Sign in with SSO</a></p>
        </section>
        {{/singleSignOn}}
        {{/main}}
        {{/layout}}
        """

    static let error = """
        {{<layout}}
        {{$title}}{{heading}}{{/title}}
        {{$main}}
        <h1>{{heading}}</h1>
        <p class="error" role="alert">{{message}}</p>
        <p><a href="/console">Back to the console</a></p>
        {{/main}}
        {{/layout}}
        """

    static let home = """
        {{<layout}}
        {{$title}}Overview{{/title}}
        {{$main}}
        <h1>Overview</h1>
        <dl class="facts">
        <dt>Key</dt><dd>{{session.keyPrefix}}</dd>
        <dt>Role</dt><dd>{{session.roleLabel}}</dd>
        {{#teamID}}<dt>Team</dt><dd><code>{{teamID}}</code></dd>{{/teamID}}
        {{#organizationID}}<dt>Organization</dt><dd><code>{{organizationID}}</code></dd>{{/organizationID}}
        </dl>
        <ul class="tiles">
        {{#session.nav}}<li><a href="{{href}}">{{label}}</a></li>{{/session.nav}}
        </ul>
        {{/main}}
        {{/layout}}
        """
}
