package googledirectory

// Example documents every google-directory setting as one connector entry
// of the config file; `rollcall config example --connector google-directory`
// prints it, and a test decodes it and checks no setting is left out.
func (*Settings) Example() string { return example }

const example = `  - name: workspace
    type: google-directory       # people from Google Workspace (Admin SDK Directory API)
    schedule: "@every 1h"
    settings:
      # The service account's JSON key, relative to this file. Grant its
      # client id domain-wide delegation (Admin console > Security > API
      # controls) for admin.directory.user.readonly,
      # admin.directory.orgunit.readonly and
      # admin.directory.rolemanagement.readonly. Keep the file 0600.
      credentials_file: google-sa.json
      # Or find credentials as Google's libraries do
      # (GOOGLE_APPLICATION_CREDENTIALS, gcloud) instead of a key file;
      # set one of the two, not both.
      use_application_default: false
      # The admin the service account acts as (required): a super admin,
      # or a delegated admin whose role may read users and org units.
      subject: rollcall-admin@district.org
      customer: my_customer      # or the customer id (Admin console > Account settings), e.g. C01abc23d
      include_suspended: false   # also read suspended users
      include_archived: false    # also read archived users
      max_results: 500           # users per page, 1-500 (Google's limit); default 500
      # Directory API quota of this project and admin: Google's default is
      # 2,400 requests a minute. Rollcall paces every request to
      # quota_percent of it, leaving the rest to the district's other tools.
      quota_per_minute: 2400
      quota_percent: 95          # 1-100; default 95
      concurrency: 10            # users.list requests in flight, 1-32; 1 reads each org unit in one listing; default 10
      split_by_email: false      # read a slow, large org unit as one listing per first email character; off by default:
                                 # a user whose email starts with a character it does not cover could be missed
      # Overrides for a proxy or a test server; leave unset for Google.
      # endpoint: https://admin.googleapis.com/
      # token_url: https://oauth2.googleapis.com/token   # default: the key file's token_uri
      retry:                     # per API call; 403/429 rate limits and 5xx are retried
        max_attempts: 6          # including the first; default 6
        max_elapsed: 2m          # default 2m from the first attempt
        base_delay: 500ms        # doubled per attempt, Retry-After wins; default 500ms
        rate_window: 1m          # Google's quotas are per minute: rate limits are waited out, up to a minute at a time,
                                 # instead of counting as attempts; default 1m
        max_rate_wait: 10m       # total rate-limit waiting in one call (the run's sync.run_timeout bounds it too); default 10m
`
