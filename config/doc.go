// Package config owns Rollcall's configuration file: its schema, the
// ${ENV_VAR} expansion that keeps secrets out of the file, the defaults,
// and the validation that names the file, line and field of every problem.
//
// It sits at the bottom of the import graph (cmd → connectors → license →
// config) and so knows nothing of connector types: each connector entry
// keeps its settings as a yaml.Node, and the connector type decodes them
// later with DecodeStrict, which rejects unknown keys with the same
// file:line: field errors as the rest of the file.
//
// Secret values are typed Secret, which prints and marshals as <secret>;
// Config.Redacted renders the whole file for `rollcall config show` with
// secrets, secret-looking settings and values taken from secret-looking
// environment variables replaced.
package config
