package fake

// The shapes Schoology documents, with its mix of strings and numbers.

type listJSON struct {
	key   string
	items any
	total int
	links map[string]string
}

// MarshalJSON writes {"<key>":[...],"total":"N","links":{...}}: the total
// is a string, as Schoology sends it.
func (l listJSON) MarshalJSON() ([]byte, error) {
	return marshalList(l)
}

type roleJSON struct {
	ID       string            `json:"id"`
	Title    string            `json:"title"`
	Faculty  int               `json:"faculty"`
	RoleType int               `json:"role_type"`
	Links    map[string]string `json:"links"`
}

type courseJSON struct {
	ID                   int64  `json:"id"`
	Title                string `json:"title"`
	CourseCode           string `json:"course_code"`
	Department           string `json:"department"`
	Description          string `json:"description"`
	Credits              int    `json:"credits"`
	SubjectArea          int    `json:"subject_area"`
	GradeLevelRangeStart int    `json:"grade_level_range_start"`
	GradeLevelRangeEnd   int    `json:"grade_level_range_end"`
	Synced               int    `json:"synced"`
	BuildingID           string `json:"building_id"`
}

type sectionJSON struct {
	ID                string            `json:"id"`
	CourseTitle       string            `json:"course_title"`
	CourseCode        string            `json:"course_code"`
	CourseID          string            `json:"course_id"`
	SchoolID          string            `json:"school_id"`
	SectionTitle      string            `json:"section_title"`
	SectionCode       string            `json:"section_code"`
	SectionSchoolCode string            `json:"section_school_code"`
	Synced            string            `json:"synced"`
	Active            int               `json:"active"`
	Description       string            `json:"description"`
	Links             map[string]string `json:"links"`
}

type enrollmentJSON struct {
	ID                 string            `json:"id"`
	UID                string            `json:"uid"`
	SchoolUID          string            `json:"school_uid"`
	NameTitle          string            `json:"name_title"`
	NameTitleShow      string            `json:"name_title_show"`
	NameFirst          string            `json:"name_first"`
	NameFirstPreferred string            `json:"name_first_preferred"`
	NameMiddle         string            `json:"name_middle"`
	NameMiddleShow     string            `json:"name_middle_show"`
	NameLast           string            `json:"name_last"`
	NameDisplay        string            `json:"name_display"`
	Admin              int               `json:"admin"`
	Status             string            `json:"status"`
	PictureURL         string            `json:"picture_url"`
	Links              map[string]string `json:"links"`
}

type userJSON struct {
	UID                string `json:"uid"`
	ID                 int64  `json:"id"`
	SchoolID           int64  `json:"school_id"`
	Synced             int    `json:"synced"`
	SchoolUID          string `json:"school_uid"`
	BuildingID         int64  `json:"building_id"`
	NameTitle          string `json:"name_title"`
	NameTitleShow      int    `json:"name_title_show"`
	NameFirst          string `json:"name_first"`
	NameFirstPreferred string `json:"name_first_preferred"`
	NameMiddle         string `json:"name_middle"`
	NameMiddleShow     int    `json:"name_middle_show"`
	NameLast           string `json:"name_last"`
	NameDisplay        string `json:"name_display"`
	Username           string `json:"username"`
	PrimaryEmail       string `json:"primary_email"`
	Gender             any    `json:"gender"`
	Position           any    `json:"position"`
	GradYear           string `json:"grad_year"`
	Password           string `json:"password"`
	RoleID             int64  `json:"role_id"`
	TZName             string `json:"tz_name"`
	Parents            any    `json:"parents"`
	ChildUIDs          any    `json:"child_uids"`
}
