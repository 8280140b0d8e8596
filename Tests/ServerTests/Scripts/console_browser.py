"""The web console in a real browser (headless Chromium through Selenium) against a running
`atrium serve` with the real model.

Environment: ATRIUM_URL (http://127.0.0.1:PORT), ATRIUM_OWNER_KEY. Prints one JSON object with
what it observed; exits non-zero (with the failed check on stderr) on any failure.
"""
import http.server
import json
import os
import re
import sys
import threading

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

BASE = os.environ["ATRIUM_URL"]
OWNER = os.environ["ATRIUM_OWNER_KEY"]
XSS = "<img src=x onerror=alert(1)>"
observed = {}


def check(condition, what):
    if not condition:
        print("failed: " + what, file=sys.stderr)
        raise SystemExit(1)


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)


driver = browser()
wait = WebDriverWait(driver, 120)


def open_page(path):
    driver.get(BASE + path)


def fill(field_id, text):
    field = driver.find_element(By.ID, field_id)
    field.clear()
    field.send_keys(text)
    return field


# The page after a submit or a reload has finished loading: the old page's mark (set by `submit`)
# is gone and the new document is complete.
NEXT_PAGE_LOADED = ("document.readyState === 'complete'"
                    " && document.documentElement.getAttribute('data-test-mark') === null")


def submit(field_id, navigates=True):
    """Submits the form of a field with its first button, and waits for the next page."""
    # A mark on the old page: the next page has none (the driver's scripts are not the page's).
    driver.execute_script("document.documentElement.setAttribute('data-test-mark', 'old')")
    form = driver.find_element(By.ID, field_id).find_element(By.XPATH, "./ancestor::form")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    if navigates:
        wait.until(lambda d: d.execute_script("return " + NEXT_PAGE_LOADED))


def sign_in(key):
    open_page("/console/sign-in")
    fill("key", key)
    submit("key")
    wait.until(expected_conditions.url_to_be(BASE + "/console"))


def sign_out():
    driver.find_element(By.CSS_SELECTOR, "form.signout button").click()
    wait.until(expected_conditions.url_contains("/console/sign-in"))


def no_alert():
    try:
        driver.switch_to.alert
        return False
    except NoAlertPresentException:
        return True


def issue_key(team_path, user, role, name=""):
    open_page(team_path)
    fill("key-user", user)
    fill("key-name", name)
    driver.find_element(By.CSS_SELECTOR, "#key-role option[value='%s']" % role).click()
    submit("key-user")
    secret = wait.until(expected_conditions.presence_of_element_located((By.ID, "secret"))).get_attribute("value")
    check(secret.startswith("atr_"), "a new key is shown once")
    driver.find_element(By.CSS_SELECTOR, "button[data-copy=secret]").click()
    return secret


def ask(question):
    open_page("/console/playground")
    fill("message", question)
    submit("message", navigates=False)
    answer = wait.until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".turn.answer[data-finish]")))
    return answer.find_element(By.CSS_SELECTOR, ".text").text


def usable(what):
    """Every control of the page has a label (a `<label>` or `aria-label`), and at a phone's
    width (390 px) the page needs no sideways scrolling (wide tables scroll inside themselves)."""
    unlabeled = driver.execute_script(
        "return Array.prototype.slice.call(document.querySelectorAll('input, select, textarea, button'))"
        ".filter(function (c) { return c.type !== 'hidden' && !(c.labels && c.labels.length)"
        " && !c.getAttribute('aria-label') && !(c.tagName === 'BUTTON' && c.textContent.trim()); })"
        ".map(function (c) { return c.outerHTML.slice(0, 80); })")
    check(unlabeled == [], "every control on %s has a label: %s" % (what, unlabeled))
    driver.set_window_size(390, 844)
    overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    driver.set_window_size(1280, 900)
    check(overflow <= 0, "%s fits a phone's width (%d px too wide)" % (what, overflow))
    observed.setdefault("usable_pages", []).append(what)


def save_profile(team_path, prompt, collections=None):
    open_page(team_path + "/profile")
    fill("system-prompt", prompt)
    fill("temperature", "0")
    fill("max-tokens", "24")
    if collections is not None:
        box = driver.find_element(By.ID, "retrieval-enabled")
        if not box.is_selected():
            box.click()
        fill("retrieval-collections", collections)
    submit("system-prompt")
    wait.until(lambda d: d.find_element(By.ID, "system-prompt").get_attribute("value") == prompt)
    check(prompt.split()[0] in driver.find_element(By.ID, "preview").text, "the preview shows the saved prompt")


try:
    # A wrong key is refused next to the field.
    open_page("/console/sign-in")
    fill("key", "atr_wrong")
    submit("key")
    check("That key was not accepted." in driver.find_element(By.ID, "key-error").text, "a wrong key is refused")

    # The owner signs in and builds an organization, teams, users, memberships, keys.
    sign_in(OWNER)
    check(driver.get_cookie("atrium_console")["httpOnly"], "the session cookie is HttpOnly")
    check(driver.execute_script("return document.cookie") == "", "no script reads the session cookie")
    check(driver.execute_script("return window.localStorage.length + window.sessionStorage.length") == 0,
          "nothing in browser storage")
    open_page("/console/orgs")
    fill("org-name", "acme")
    submit("org-name")
    driver.find_element(By.LINK_TEXT, "acme").click()
    org_path = driver.current_url[len(BASE):]
    for name in ("sales", "support"):
        fill("team-name", name)
        submit("team-name")
    # A team name cannot hold markup: the refusal, next to the field, quotes it as text.
    fill("team-name", XSS)
    submit("team-name")
    check(XSS in driver.find_element(By.ID, "team-name-error").text, "the refused name is quoted as text")
    check(no_alert(), "a team named like markup runs no script")
    check(len(driver.find_elements(By.CSS_SELECTOR, "img[src=x]")) == 0, "a team named like markup makes no element")
    for user in ("sam", "bob"):
        open_page(org_path)
        fill("user-name", user)
        submit("user-name")
        check(user in driver.find_element(By.CSS_SELECTOR, "[role=status]").text, "user %s created" % user)
    open_page(org_path)
    driver.find_element(By.LINK_TEXT, "support").click()
    support_path = driver.current_url[len(BASE):]
    open_page(org_path)
    usable("the organization page")
    driver.find_element(By.LINK_TEXT, "sales").click()
    team_path = driver.current_url[len(BASE):]
    for user, role in (("sam", "admin"), ("bob", "member")):
        fill("member-user", user)
        driver.find_element(By.CSS_SELECTOR, "#member-role option[value='%s']" % role).click()
        submit("member-user")
        wait.until(expected_conditions.url_to_be(BASE + team_path))
    members = driver.find_element(By.TAG_NAME, "table").text
    check("team admin" in members and "member" in members, "memberships listed")
    sam_key = issue_key(team_path, "sam", "admin")
    # A key name may hold any text: it is shown as text.
    bob_key = issue_key(team_path, "bob", "member", XSS)
    open_page(team_path)
    check(sam_key not in driver.page_source and bob_key not in driver.page_source, "a key's secret is shown once")
    check(XSS in driver.find_elements(By.TAG_NAME, "table")[1].text, "a key named like markup shows as text")
    check(no_alert(), "a key named like markup runs no script")
    check(len(driver.find_elements(By.CSS_SELECTOR, "img[src=x]")) == 0, "a key named like markup makes no element")
    observed["xss_rendered_as_text"] = True
    usable("the team page")
    # Keyboard: the first Tab reaches the skip link, which moves the focus to the content.
    ActionChains(driver).send_keys(Keys.TAB).perform()
    check(driver.switch_to.active_element.get_attribute("class") == "skip", "the first Tab reaches the skip link")
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    check(driver.switch_to.active_element.get_attribute("id") == "main", "the skip link moves the focus to the content")
    # The audit chain's status, from the same walk as `atrium audit verify`.
    open_page("/console/audit")
    submit("chain-verify")
    status = driver.find_element(By.ID, "chain-status")
    check(status.text.startswith("Verified") and "verified" in status.get_attribute("class"), "the chain is verified")
    usable("the audit page")
    observed["audit_chain"] = status.text
    sign_out()

    # The team admin edits the profile; the member's next playground answer changes.
    sign_in(sam_key)
    # A refused value is shown next to the field the API named, the rest as typed.
    open_page(team_path + "/profile")
    usable("the profile editor")
    fill("semantic-cache-threshold", "5")
    submit("system-prompt")
    check("cosine similarity" in driver.find_element(By.ID, "semantic-cache-threshold-error").text,
          "the refused threshold is explained next to its field")
    check(driver.find_element(By.ID, "semantic-cache-threshold").get_attribute("aria-invalid") == "true",
          "the refused field is marked invalid")
    save_profile(team_path, "Respond as a sales expert.")
    # Reaching for another team's page is refused as if it did not exist, and raises an alert
    # that the team admin sees.
    open_page(support_path)
    check(driver.find_element(By.TAG_NAME, "h1").text == "Not found", "another team's page is not found")
    open_page("/console/alerts")
    check("cross_team_attempt" in driver.find_element(By.TAG_NAME, "table").text, "the attempt shows as an alert")
    usable("the alerts page")
    observed["alert"] = "cross_team_attempt"
    sign_out()
    sign_in(bob_key)
    question = "What should I know about our product?"
    open_page("/console/playground")
    offered = [o.text for o in driver.find_elements(By.CSS_SELECTOR, "#model option")]
    check(len(offered) == 1 and "minilm" not in offered[0], "the playground offers the team's chat model only (%s)" % offered)
    observed["models"] = offered
    usable("the playground")
    first = ask(question)
    sign_out()
    sign_in(sam_key)
    save_profile(team_path, "You are a pirate. Always answer in pirate speech, starting with Arr.")
    sign_out()
    sign_in(bob_key)
    second = ask(question)
    check(first.strip() != "" and second.strip() != "", "the playground streams answers")
    check(first != second, "the saved profile changed the next answer")
    observed["answers"] = [first, second]

    # The member uploads a document; with retrieval on, the playground cites it.
    open_page("/console/knowledge")
    fill("collection-name", "handbook")
    submit("collection-name")
    document = os.path.join(os.environ.get("TMPDIR", "/tmp"), "atrium-console-%d" % os.getpid(), "returns.md")
    os.makedirs(os.path.dirname(document), exist_ok=True)
    with open(document, "w") as handle:
        handle.write("# Returns\n\nCustomers may return any product within 30 days for a full refund.\n")
    driver.find_element(By.ID, "files").send_keys(document)
    submit("files", navigates=False)
    # The script uploads, then reloads the page; a refusal shows next to the field instead. The
    # reloaded page (no test mark) must have finished loading before the next click, or the click
    # can land in the reload and be lost.
    wait.until(lambda d: d.execute_script(
        "var error = document.getElementById('files-error');"
        " if (error !== null && !error.hidden) { return true; }"
        " return " + NEXT_PAGE_LOADED +
        " && document.querySelector('table').innerText.indexOf('returns.md') >= 0"))
    check("returns.md" in driver.find_element(By.TAG_NAME, "table").text,
          "the upload is listed (%s)" % driver.find_element(By.ID, "files-error").text)
    os.remove(document)
    os.rmdir(os.path.dirname(document))
    usable("the collection page")
    sign_out()
    sign_in(sam_key)
    save_profile(team_path, "Answer from the sources.", collections="handbook")
    sign_out()
    sign_in(bob_key)
    ask("Can I return a product for a refund?")
    cited = driver.find_elements(By.CSS_SELECTOR, ".turn.answer .sources li")
    check(any("returns.md › Returns" in item.text for item in cited),
          "the playground cites the uploaded document and its section (%s)" % [item.text for item in cited])
    observed["cited"] = "returns.md"

    # The member sees no admin pages and cannot reach them by URL.
    nav = driver.find_element(By.CSS_SELECTOR, "nav").text
    check("Organizations" not in nav and "Team" not in nav.split(), "a member's navigation has no admin pages")
    for path in ("/console/orgs", org_path, team_path, team_path + "/profile"):
        open_page(path)
        check(driver.find_element(By.TAG_NAME, "h1").text == "Not allowed", "a member cannot open " + path)

    # CSRF: a script on a console page posting without the token is refused...
    status = driver.execute_script(
        "return fetch(arguments[0], {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'},"
        " body: 'user=bob&role=admin'}).then(function (r) { return r.status; })", BASE + team_path + "/members")
    check(status == 403, "a post without the CSRF token is refused (got %s)" % status)
    sign_out()

    # ...and another site's auto-submitting form does not act for a signed-in admin.
    sign_in(OWNER)

    class Attacker(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            page = ('<html><body><form id="f" method="post" action="%s%s/teams">'
                    '<input name="name" value="forged"></form>'
                    '<script>document.getElementById("f").submit()</script></body></html>') % (BASE, org_path)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(page.encode())

        def log_message(self, *arguments):
            pass

    attacker = http.server.HTTPServer(("127.0.0.1", 0), Attacker)
    threading.Thread(target=attacker.serve_forever, daemon=True).start()
    driver.get("http://localhost:%d/" % attacker.server_address[1])
    wait.until(lambda d: "/console" in d.current_url)
    open_page(org_path)
    check("forged" not in driver.find_element(By.TAG_NAME, "table").text, "a cross-site form post created nothing")
    attacker.shutdown()
    observed["csrf_refused"] = True
    observed["ok"] = True
finally:
    driver.quit()

print(json.dumps(observed))
