package blackboard

// Example documents every blackboard setting as one connector entry of
// the config file; `rollcall config example --connector blackboard` prints
// it, and a test decodes it.
func (*Settings) Example() string { return example }

const example = `  - name: learn
    type: blackboard             # course memberships from Blackboard Learn's REST API
    schedule: "@every 1h"
    settings:
      base_url: https://learn.district.org
      # The REST application's key and secret (Anthology developer portal).
      # A Learn admin registers the application under System Admin > REST
      # API Integrations, with a user whose entitlements include
      # system.courseuserlist.VIEW (or course.user.VIEW) and
      # system.user.VIEW, so that rosters and users' emails are visible.
      application_key: ${BLACKBOARD_APPLICATION_KEY}
      application_secret: ${BLACKBOARD_APPLICATION_SECRET}
      page_size: 100             # memberships per page, 1-100; default 100
      # Course role ids to student, teacher or other, on top of the
      # defaults (Instructor, BbFacilitator, TeachingAssistant: teacher;
      # Student: student). Guest, Grader, CourseBuilder and custom roles
      # are left out unless mapped here or in a deployment's roles.
      roles:
        DistrictCoTeacher: teacher
      # Learn allows 10,000 REST calls per 24 hours per application by
      # default; once spent it answers 429 until the window resets, and a
      # sync fails (removing nobody) instead of waiting a day.
      retry:
        max_attempts: 6          # including the first; default 6
        max_elapsed: 2m          # default 2m from the first attempt
        base_delay: 500ms        # doubled per attempt; default 500ms
        # Waiting out 429s (rate_window > 0) suits per-minute quotas, not
        # Learn's daily one: leave it off.
        rate_window: 0s          # default 0: a 429 counts as an attempt
        max_rate_wait: 10m       # bound on rate-limit waits when rate_window is set; default 10m
      # Calls are paced to Learn's documented 10,000 per application a day:
      # a tenth of the share goes at once, the rest evenly over the day, so
      # a sync never spends the day's quota and stops the next ones.
      quota_per_day: 10000       # your production group's figure if Anthology raised it; default 10000
      quota_percent: 95          # share of it this connector spends; default 95
# Deployments name units: course:<id> (_123_1, courseId:ALG1-FA26,
# externalId:SIS-C0001 or uuid:...), term:<id> and datasource:<id>
# (_2_1 or externalId:SIS.2026). Option include_unavailable_courses: "true"
# also reads courses whose availability is No or Disabled.
`
