package fake

// stamp is every record's created and last_modified: the fake has no
// history, and the connector reads neither.
const stamp = "2025-08-01T12:00:00.000Z"

func (s *Server) renderUser(u *User) map[string]any {
	name := map[string]any{"first": u.First, "last": u.Last}
	if u.Middle != "" {
		name["middle"] = u.Middle
	}
	roles := map[string]any{}
	scoped := func(r *Role) map[string]any {
		out := map[string]any{"schools": r.Schools}
		if len(r.Schools) > 0 {
			out["school"] = r.Schools[0]
		}
		if r.SisID != "" {
			out["sis_id"] = r.SisID
		}
		return out
	}
	if u.Student != nil {
		roles["student"] = scoped(u.Student)
	}
	if u.Teacher != nil {
		roles["teacher"] = scoped(u.Teacher)
	}
	if u.Staff != nil {
		roles["staff"] = map[string]any{"schools": u.Staff.Schools}
	}
	if u.DistrictAdmin != nil {
		roles["district_admin"] = map[string]any{"title": "District Administrator"}
	}
	if u.Contact != nil {
		rels := make([]map[string]any, 0, len(u.Contact.Students))
		for _, st := range u.Contact.Students {
			rels = append(rels, map[string]any{"student": st, "relationship": u.Contact.Relationship})
		}
		roles["contact"] = map[string]any{"student_relationships": rels}
	}
	out := map[string]any{"id": u.ID, "district": s.district.ID, "name": name, "roles": roles,
		"created": stamp, "last_modified": stamp}
	if u.Email != "" {
		out["email"] = u.Email
	}
	return out
}

func (s *Server) renderSection(sec *Section) map[string]any {
	out := map[string]any{"id": sec.ID, "district": s.district.ID, "school": sec.School, "name": sec.Name,
		"subject": sec.Subject, "students": nonNil(sec.Students), "teachers": nonNil(sec.Teachers),
		"created": stamp, "last_modified": stamp}
	if len(sec.Teachers) > 0 {
		out["teacher"] = sec.Teachers[0]
	}
	return out
}

func (s *Server) renderSchool(sc *School) map[string]any {
	return map[string]any{"id": sc.ID, "district": s.district.ID, "name": sc.Name, "created": stamp, "last_modified": stamp}
}

func nonNil(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}
