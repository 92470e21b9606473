package oneroster

// Example documents every oneroster (REST) setting as one connector entry
// of the config file; `rollcall config example --connector oneroster`
// prints it, and a test decodes it and checks no setting is left out.
func (*Settings) Example() string { return restExample }

// Example documents every oneroster-csv setting likewise.
func (*CSVSettings) Example() string { return csvExample }

const restExample = `  - name: sis
    type: oneroster              # people and enrollments from a OneRoster 1.1 or 1.2 REST service
    schedule: "@every 1h"
    settings:
      base_url: https://sis.district.org   # the root before /ims/oneroster/...
      version: "1.2"             # 1.1 (OAuth 1.0a signatures) or 1.2 (OAuth 2 client credentials)
      # OneRoster 1.2: client credentials and the token endpoint.
      client_id: rollcall
      client_secret: ${ONEROSTER_CLIENT_SECRET}
      token_url: https://sis.district.org/oauth/token
      scopes:                    # default: roster-core.readonly
        - https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly
      # OneRoster 1.1 instead (version: "1.1"; leave out the four 1.2 keys above):
      # consumer_key: rollcall
      # consumer_secret: ${ONEROSTER_CONSUMER_SECRET}
      limit: 100                 # records per page asked for, 1-10000 (servers may send fewer); default 100
      email_from_username: true  # use username as the email when email is empty and username is one; default true
      # Read only users changed since the last sync (filter on
      # dateLastModified), and all of them every full_refresh. Only for
      # servers that support that filter.
      incremental_users: false
      full_refresh: 24h          # default 24h
      retry:                     # per request; 429 (Retry-After) and 5xx are retried
        max_attempts: 6          # including the first; default 6
        max_elapsed: 2m          # default 2m from the first attempt
        base_delay: 500ms        # doubled per attempt; default 500ms
        # rate_window: 1m        # wait rate limits out over the quota window instead of counting them as attempts; default 0 (off)
        # max_rate_wait: 10m     # total rate-limit waiting in one call when rate_window is set; default 10m
      # OneRoster sets no rate limit (each server may answer 429): requests
      # are not paced unless a cap is set here.
      # quota_per_minute: 600    # the figure your OneRoster server documents; default 0 (not paced)
      # quota_percent: 95        # share of the cap this connector spends; default 95
`

const csvExample = `  - name: sis-export
    type: oneroster-csv          # people and enrollments from a OneRoster 1.1/1.2 CSV bundle
    schedule: "@daily"
    settings:
      # A .zip bundle or a folder holding manifest.csv, users.csv,
      # enrollments.csv, orgs.csv and classes.csv, relative to this file;
      # read afresh each sync.
      path: oneroster/export.zip
      page_size: 1000            # people per page handed to the sync, 1-100000; default 1000
      email_from_username: true  # use username as the email when email is empty and username is one; default true
      retry:                     # for a bundle that cannot be opened yet (still uploading); a wrong bundle fails at once
        max_attempts: 4          # including the first; default 4
        max_elapsed: 10m         # default 10m
        base_delay: 15s          # doubled per attempt; default 15s
        # rate_window: 1m        # wait rate limits out over the quota window instead of counting them as attempts; default 0 (off)
        # max_rate_wait: 10m     # total rate-limit waiting in one call when rate_window is set; default 10m
`
