package syncstate

// Validate reports what is wrong with r as a record to store. Every
// Backend checks it before writing, so a bad run is refused the same way
// (a *license.FieldError naming the field) whatever keeps the state.
func (r *Run) Validate() error { return r.validate() }

// Validate reports what is wrong with p as a plan to store; see Run.Validate.
func (p *Pending) Validate() error { return p.validate() }
