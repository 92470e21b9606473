package fake

import (
	"math/rand/v2"
	"strconv"
	"time"
)

// RateLimit answers the next n API requests with 429 Too Many Requests,
// with Retry-After when retryAfter > 0 (Schoology documents none).
func (s *Server) RateLimit(n int, retryAfter time.Duration) {
	s.faults.RateLimit(struct{}{}, n, retryAfter)
}

// ServerErrors answers the next n API requests with code.
func (s *Server) ServerErrors(code, n int) { s.faults.ServerErrors(code, n) }

// FailOnPage answers page n (1-based) of every enrollment list with code
// each time it is asked for; 0 turns it off.
func (s *Server) FailOnPage(n, code int) { s.faults.FailOnPage(n, code) }

// SlowPages delays every enrollment page by d.
func (s *Server) SlowPages(d time.Duration) { s.faults.SlowPages(d) }

// Empty makes every section answer no enrollments while on.
func (s *Server) Empty(on bool) { s.faults.SetEmpty(on) }

// ClearFaults turns every fault off.
func (s *Server) ClearFaults() { s.faults.Clear() }

// Churn changes about n things: students leave sections (their enrollment
// archived), new students arrive with an email, teachers turn into
// students of another section, users are deactivated. It returns how
// many changed.
func (s *Server) Churn(rng *rand.Rand, n int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.idx = nil // rebuilt on the next request
	d := s.d
	changed := 0
	var maxEnr, maxUID int64
	for _, e := range d.Enrollments {
		maxEnr = max(maxEnr, e.ID)
	}
	for _, u := range d.Users {
		if u.UID < 900000 {
			maxUID = max(maxUID, u.UID)
		}
	}
	for i := range n {
		switch i % 4 {
		case 0: // a student leaves a section
			e := &d.Enrollments[rng.IntN(len(d.Enrollments))]
			if e.Status == StatusActive && !e.Admin {
				e.Status = StatusArchived
				changed++
			}
		case 1: // a new student arrives
			maxUID++
			maxEnr++
			u := User{UID: maxUID, BuildingID: d.Buildings[0].ID, First: "New", Last: "Student", Username: "new" + strconv.FormatInt(maxUID, 10),
				Email: "new" + strconv.FormatInt(maxUID, 10) + "@district.example.org", RoleID: RoleStudent}
			d.Users = append(d.Users, u)
			sec := d.Sections[rng.IntN(len(d.Sections))]
			if sec.Past {
				sec = d.Sections[0]
			}
			d.Enrollments = append(d.Enrollments, Enrollment{ID: maxEnr, SectionID: sec.ID, UID: u.UID, Status: StatusActive})
			changed++
		case 2: // a user is deactivated
			u := &d.Users[rng.IntN(len(d.Users))]
			if !u.Inactive {
				u.Inactive = true
				changed++
			}
		case 3: // a deactivated user comes back
			for k := range d.Users {
				if d.Users[k].Inactive {
					d.Users[k].Inactive = false
					changed++
					break
				}
			}
		}
	}
	return changed
}
