package config

// Example returns a complete, commented config file. It is the README's
// example and a test parses it (and opens its connectors), so it cannot
// drift from what Rollcall accepts.
func Example() string { return example }

const example = `# rollcall.yaml — one file configures the whole of Rollcall.
# Relative paths resolve against this file's folder. Any value may use
# ${VAR} (an error if VAR is unset), ${VAR:-default}, or $${ for a literal ${.
# Unknown keys are errors, so a typo never passes silently.

# The license store: licenses, members, claims, audit events (a bbolt
# file). Default: rollcall.db in the data directory (--data-dir,
# $ROLLCALL_DATA_DIR, else ~/.local/share/rollcall), the store every other
# rollcall command uses; --data-dir and $ROLLCALL_DATA_DIR win over a path
# set here. API tokens and sessions (auth.db) always sit beside it.
# store:
#   path: /var/lib/rollcall/rollcall.db
# Or a PostgreSQL database (driver postgres), which then also holds the
# sync state and sign-in tokens; "rollcall migrate" sets up its schema and
# copies a bbolt store into it.
# store:
#   driver: postgres
#   url: ${DATABASE_URL}   # postgres://user:password@host:5432/rollcall

# Sync state: runs, pending approvals, run-time deployments (a second bbolt
# file). Default: syncstate.db beside the store.
# sync_state:
#   path: /var/lib/rollcall/syncstate.db

# The dashboard (/), the admin API (/api/v1/), metrics (/metrics) and
# health (/healthz, /readyz). Sign in with an API token ("rollcall token
# create"), or with an OpenID Connect provider:
http:
  listen: 127.0.0.1:8080
  # public_url: https://rollcall.district.org  # behind a TLS-ending proxy: Secure, __Host- session cookie; LTI's tool URL
  # trusted_proxies: [10.0.0.5]                 # proxies whose X-Forwarded-Proto is believed
  # oidc:
  #   name: Google
  #   issuer: https://accounts.google.com
  #   client_id: 1234.apps.googleusercontent.com
  #   client_secret: ${OIDC_CLIENT_SECRET}
  #   redirect_url: https://rollcall.district.org/api/v1/oidc/callback
  #   allowed_domains: [district.org]
  #   operators: [it.director@district.org]

log:
  format: text   # text or json
  level: info    # debug, info, warn or error

sync:
  history: 200           # runs kept per deployment
  jitter: 30s            # each scheduled run starts up to this much later, at random
  batch_size: 10000      # changes per store transaction
  shutdown_timeout: 30s  # on SIGTERM, how long a running batch may take to finish
  run_timeout: 2h        # bounds one run, rate-limit waits included
  quarantine_after: 5    # failed runs in a row that quarantine a deployment (backs off 6 h, 12 h, then daily)

# Connectors read people from a source system. Each has a unique name
# (a-z, 0-9, ., -, _, :), a type, a schedule and settings of its type.
connectors:
  - name: roster
    type: static                 # people from a CSV or YAML file
    schedule: "@every 15m"       # 5 cron fields ("*/15 * * * *") or @every/@hourly/@daily; default @every 1h
    time_zone: America/Chicago   # IANA zone of the schedule; default UTC
    settings:
      path: ${ROLLCALL_ROSTER:-people.csv}  # columns: email, name, role, org_unit, external_id
      page_size: 500
  # A vendor connector keeps its secrets out of this file:
  #   settings:
  #     base_url: https://district.instructure.com
  #     access_token: ${CANVAS_TOKEN}   # shown as <secret> by "rollcall config show"
  # "rollcall config example --connector TYPE" prints every setting of a
  # type (canvas, schoology, moodle, blackboard, brightspace, clever, lti,
  # ldap, google-directory, google-classroom, oneroster, oneroster-csv, ...).

# Deployments bind part of a connector's source to one license. A sync only
# ever adds, updates or removes the claims of its own deployment.
deployments:
  - name: hs
    connector: roster
    license: lincoln             # a license id in the store ("rollcall license create --id lincoln ...")
    units: ["/Students/High"]    # org units (and everything below them); empty: everyone
    roles:                       # unit or source role → student, teacher or other
      "/Staff": teacher
    default_role: student
    options:
      include_sub_org_units: "true"
    deletion_limit:              # hold for approval a sync removing more than
      percent: 10                # max(min, percent % of current members);
      min: 20                    # default 10 % and 20; a key left out is 0
    mode: mirror                 # mirror: add, update, remove; add-only: never remove; remove-only: only remove
    max_update_percent: 75       # update-storm guard: hold the updates of a plan updating more than this share
    # grace_period: 336h         # a leaver is marked "leaving" this long before removal (default 0: at once)
    # grace_keeps_access: true   # leaving members stay entitled until then (false: seat kept, access revoked)
  - name: staff
    connector: roster
    license: lincoln
    units: ["/Staff"]
    default_role: teacher
    schedule: "0 6 * * 1-5"      # own schedule: weekdays at 06:00; empty: the connector's
    time_zone: America/New_York  # empty: the connector's

# School calendar: dated windows (inclusive) per license or deployment;
# none named: every one. In a blackout no sync runs (recorded as skipped);
# in additions-only, removals are held for approval.
# calendar:
#   - {name: summer, kind: blackout, from: 2026-06-15, to: 2026-08-20}
#   - {name: august-rebuild, kind: additions-only, from: 2026-08-21, to: 2026-09-05, time_zone: America/Chicago, licenses: [lincoln]}

# Webhooks: every change of a license, POSTed as signed JSON to an https URL.
# webhooks:
#   - name: lms-events
#     license: lincoln
#     url: https://hooks.district.org/rollcall
#     secret: ${ROLLCALL_WEBHOOK_SECRET}   # at least 16 characters; HMAC-SHA256 of each delivery
`
