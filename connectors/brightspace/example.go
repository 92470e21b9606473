package brightspace

// Example documents every brightspace setting as one connector entry of
// the config file; `rollcall config example --connector brightspace`
// prints it, and a test decodes it.
func (*Settings) Example() string { return example }

const example = `  - name: d2l
    type: brightspace            # enrollments from D2L Brightspace's Valence REST API
    schedule: "@every 1h"
    settings:
      base_url: https://district.brightspace.com
      token_url: https://auth.brightspace.com/core/connect/token   # the default
      # An OAuth 2 app registered in Manage Extensibility (with the scopes
      # to read enrollments, org units and user data), and the refresh token of one consent given as a dedicated service
      # user whose role may view enrollments, search for every role below
      # and see email addresses in the org units the deployments name.
      client_id: 1c2d3e4f-rollcall
      client_secret: ${BRIGHTSPACE_CLIENT_SECRET}
      refresh_token: ${BRIGHTSPACE_REFRESH_TOKEN}
      # Each use of the refresh token returns the next one; it is kept
      # here (0600, replaced atomically) and used instead of refresh_token
      # until refresh_token above changes. Relative to this file.
      token_file: brightspace-token.json
      lp_version: ""             # e.g. "1.46"; empty: the tenant's latest
      # This tenant's role ids (or role names) to student, teacher or
      # other. Brightspace numbers roles per tenant: look them up under
      # Roles and Permissions. Roles not named here (parents, guests,
      # custom roles) are not members.
      roles:
        "110": student
        "109": teacher
        "111": teacher
      course_offering_type: 3    # org unit type id of course offerings (orgunit: units); default 3
      low_water: 500             # pause until the credit bucket refills below this many credits; default 500
      retry:                     # 429 (Retry-After) and 5xx are retried
        max_attempts: 6          # including the first; default 6
        max_elapsed: 2m          # default 2m from the first attempt
        base_delay: 500ms        # doubled per attempt; default 500ms
        # rate_window: 1m waits out a spent credit bucket (it refills each
        # minute) instead of counting its 429s as attempts.
        rate_window: 0s          # default 0: a 429 counts as an attempt
        max_rate_wait: 10m       # bound on rate-limit waits when rate_window is set; default 10m
      # Calls are paced ahead of D2L's credit bucket: 50,000 credits a minute
      # per API app at the published 10 credits a call is 5,000 calls.
      quota_per_minute: 5000     # lower it if other tools share the API app; default 5000
      quota_percent: 95          # share of it this connector spends; default 95
# Deployments name units: offering:<id>, section:<id>, or orgunit:<id>
# (every course offering below that org unit, e.g. a school).
`
