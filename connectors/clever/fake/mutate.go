package fake

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Snapshot returns a copy of the district as served now.
func (s *Server) Snapshot() *District {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d := &District{ID: s.district.ID, Name: s.district.Name}
	ids := keys(s.schools)
	slices.Sort(ids)
	for _, id := range ids {
		d.Schools = append(d.Schools, *s.schools[id])
	}
	for _, id := range s.userIDs {
		if u := s.users[id]; u != nil {
			d.Users = append(d.Users, *u)
		}
	}
	for _, id := range s.sectIDs {
		if sec := s.sections[id]; sec != nil {
			d.Sections = append(d.Sections, *sec)
		}
	}
	return d
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Members is who a district-wide read must yield, worked out from the
// district itself: every user holding the student or teacher role who has
// an email, lower-cased, mapped to teacher when they hold that role, else
// student. Staff, district admins and contacts are not members.
func (d *District) Members() map[string]string {
	out := map[string]string{}
	for _, u := range d.Users {
		if u.Email == "" {
			continue
		}
		e := strings.ToLower(u.Email)
		switch {
		case u.Teacher != nil:
			out[e] = "teacher"
		case u.Student != nil:
			out[e] = "student"
		}
	}
	return out
}

// Churn changes about n people and says what changed: students the
// district stops sharing (gone from every list and section), new students
// enrolled in a section, and students whose email changes or is added.
func (s *Server) Churn(rng *rand.Rand, n int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var students []string
	for _, id := range s.userIDs {
		if u := s.users[id]; u != nil && u.Student != nil {
			students = append(students, id)
		}
	}
	var changed []string
	for i := 0; i < n && len(students) > 0; i++ {
		switch i % 3 {
		case 0: // unshared
			k := rng.IntN(len(students))
			id := students[k]
			students = slices.Delete(students, k, k+1)
			delete(s.users, id)
			for _, sec := range s.sections {
				sec.Students = slices.DeleteFunc(sec.Students, func(x string) bool { return x == id })
			}
			changed = append(changed, "unshared "+id)
		case 1: // a new student
			s.nextN++
			id := ObjectID(KindUser, s.nextN)
			sid := s.sectIDs[rng.IntN(len(s.sectIDs))]
			sec := s.sections[sid]
			s.users[id] = &User{ID: id, First: "New", Last: fmt.Sprintf("Student%d", s.nextN),
				Email:   fmt.Sprintf("new.student%d@students.district.example.org", s.nextN),
				Student: &Role{Schools: []string{sec.School}, SisID: fmt.Sprintf("S%06d", s.nextN)}}
			s.userIDs = append(s.userIDs, id)
			sec.Students = append(sec.Students, id)
			changed = append(changed, "added "+id)
		default: // a new email
			id := students[rng.IntN(len(students))]
			u := s.users[id]
			u.Email = fmt.Sprintf("renamed%d.%s@students.district.example.org", i, strings.ToLower(u.First))
			changed = append(changed, "email of "+id)
		}
	}
	slices.Sort(s.userIDs)
	return changed
}
