package static

// Example documents every static setting as one connector entry of the
// config file; `rollcall config example --connector static` prints it, and
// a test decodes it and checks no setting is left out.
func (*Config) Example() string { return example }

const example = `  - name: roster
    type: static                 # people from a CSV or YAML file, read afresh each sync
    schedule: "@every 15m"
    settings:
      # Relative to this file. CSV columns: email, name, role, org_unit,
      # external_id (a header row names them, in any order).
      path: people.csv
      format: csv                # csv or yaml; default: from the file's extension
      page_size: 500             # people per page handed to the sync, 1-100000; default 500
`
