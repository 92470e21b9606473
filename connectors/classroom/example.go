package classroom

// Example documents every google-classroom setting as one connector entry
// of the config file; `rollcall config example --connector google-classroom`
// prints it, and a test decodes it and checks no setting is left out.
func (*Settings) Example() string { return example }

const example = `  - name: classroom
    type: google-classroom       # course rosters from Google Classroom
    schedule: "@every 1h"
    settings:
      # The service account's JSON key, relative to this file. Grant its
      # client id domain-wide delegation for classroom.courses.readonly,
      # classroom.rosters.readonly and classroom.profile.emails (without
      # the last, Classroom returns no email addresses). Keep the file 0600.
      credentials_file: google-sa.json
      # Or find credentials as Google's libraries do
      # (GOOGLE_APPLICATION_CREDENTIALS, gcloud); set one of the two.
      use_application_default: false
      # The Workspace admin the service account acts as (required): a
      # domain admin sees every course, anyone else only their own.
      subject: rollcall-admin@district.org
      course_states: [ACTIVE]    # ACTIVE, ARCHIVED, PROVISIONED, DECLINED, SUSPENDED; default [ACTIVE]
      page_size: 500             # asked of every list call, 1-1000 (Google may answer fewer); default 500
      # Overrides for a proxy or a test server; leave unset for Google.
      # endpoint: https://classroom.googleapis.com/
      # token_url: https://oauth2.googleapis.com/token   # default: the key file's token_uri
      retry:                     # per API call; 429/403 rate limits and 5xx are retried
        max_attempts: 6          # including the first; default 6
        max_elapsed: 2m          # default 2m from the first attempt
        base_delay: 500ms        # doubled per attempt, Retry-After wins; default 500ms
        rate_window: 1m          # Google's quotas are per minute: rate limits are waited out, up to a minute at a time,
                                 # instead of counting as attempts; default 1m
        max_rate_wait: 10m       # total rate-limit waiting in one call (the run's sync.run_timeout bounds it too); default 10m
      # Requests are paced to Google's documented Classroom quota of 1,200
      # a minute per user (the subject above), so no read runs into it.
      quota_per_minute: 1200     # raise it only if Google granted your project more; default 1200
      quota_percent: 95          # share of it this connector spends, the rest left to other tools; default 95
`
