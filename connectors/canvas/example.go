package canvas

// Example documents every canvas setting as one connector entry of the
// config file (connectors.Exampler); `rollcall config example --connector
// canvas` prints it, and a test decodes it through the config package.
func (*Settings) Example() string { return example }

const example = `  - name: canvas
    type: canvas                 # course rosters from Canvas LMS
    schedule: "@every 1h"
    settings:
      base_url: https://district.instructure.com   # scheme and host only
      # Authenticate with an access token of a Canvas admin, kept out of
      # this file. The token's user needs, on the account synced (or in
      # each course): "Users - view list" (read_roster), "Courses - view
      # list" (read_course_list) for account:/term: units, and "Users -
      # view primary email address" (read_email_addresses): without the
      # last, Canvas hides every email and each sync fails, removing
      # nobody. "Users - view login IDs" is not needed: a login is never
      # taken for an email.
      access_token: ${CANVAS_TOKEN}
      # Or an OAuth2 developer key and a refresh token obtained once
      # through Canvas's OAuth2 flow (instead of access_token):
      # client_id: "170000000000042"
      # client_secret: ${CANVAS_CLIENT_SECRET}
      # refresh_token: ${CANVAS_REFRESH_TOKEN}
      root_account: self         # account term:<id> units list courses in; an id or self (default)
      per_page: 100              # page size asked for, 1-100 (Canvas's cap); default 100
      # Observers (parents) are left out; set a role to make them members:
      # include_observers: other  # student, teacher or other
      retry:                     # per request; 403 "Rate Limit Exceeded", 429 and 5xx are retried
        max_attempts: 6          # including the first; default 6
        max_elapsed: 2m          # default 2m from the first attempt
        base_delay: 500ms        # doubled per attempt; default 500ms
        # rate_window: 1m        # wait 429s out over the quota window instead of counting them as attempts; default 0 (off)
        # max_rate_wait: 10m     # total rate-limit waiting in one call when rate_window is set; default 10m
        low_water: 100           # pause when X-Rate-Limit-Remaining falls below this; default 100
        pause: 2s                # that pause; default 2s
      # Canvas meters each token's request cost, not a request count, and
      # one request at a time is rarely throttled: requests are not paced
      # unless a cap is set here.
      # quota_per_minute: 600    # a cap your Canvas admins ask for; default 0 (not paced)
      # quota_percent: 95        # share of the cap this connector spends; default 95
`
