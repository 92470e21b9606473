package dashboard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/auth"
	"github.com/rollcall-sync/rollcall/license/csvio"
)

// maxEmailsBox bounds the emails box; larger lists belong in a CSV.
const maxEmailsBox = 5000

type addPage struct {
	Tabs    tabs
	Roles   []license.Role
	Free    int
	Domains []string // a domain admin adds only addresses in these

	Emails      string
	EmailRole   string
	EmailErrors []string

	CSVFile   string
	CSVErrors []csvio.RowError
	CSVMore   int
	CSVError  string

	Deploy deployForm
}

// deployForm is the deploy-to-OU section: the directory, its org units,
// the chosen ones and, after Preview, the first sync's plan.
type deployForm struct {
	Enabled     bool
	Directories []string
	Directory   string
	Units       []unitOption
	Role        string
	Error       string
	Preview     *deployPreview
	Chosen      []string
}

type unitOption struct {
	license.OrgUnitView
	Depth   int
	Checked bool
	// DeployedBy names the deployment of this license that already
	// covers the unit (it or a unit above it); empty when none does.
	DeployedBy string
}

// deployPreview is what deploying will really do to the license: the
// first sync's plan, with its adds split into people who are new to the
// license (they need a seat) and people already on it through another
// source (they only gain this deployment's claim).
type deployPreview struct {
	Plan       license.PlanView
	NewMembers int
	NewClaims  int
	Free       int
	Fit        int // new members the free seats hold
	Overflow   int // new members that will not fit
	Expired    bool
}

// previewOf splits a plan's adds against the license as it stands.
func (s *server) previewOf(ctx context.Context, l license.License, plan license.PlanView) (deployPreview, error) {
	p := deployPreview{Plan: plan, Free: l.Free(), Expired: l.Expired(s.now())}
	for _, a := range plan.Adds {
		_, err := s.store.Member(ctx, l.ID, a.Email)
		switch {
		case err == nil:
			p.NewClaims++
		case errors.Is(err, license.ErrNotFound):
			p.NewMembers++
		default:
			return p, err
		}
	}
	p.Fit = min(p.NewMembers, p.Free)
	if p.Expired {
		p.Fit = 0
	}
	p.Overflow = max(p.NewMembers-p.Fit, len(plan.Overflow))
	return p, nil
}

func (s *server) addPage(w http.ResponseWriter, r *http.Request, v viewer) {
	l, g, ok := s.licenseFor(w, r, v, needMembers)
	if !ok {
		return
	}
	p := s.newAddPage(r, g, r.URL.Query().Get("dir"), nil)
	s.render(w, r, http.StatusOK, "add", view{Title: l.Name + " · Add users", Section: "licenses", Viewer: v, Page: p})
}

func (s *server) newAddPage(r *http.Request, g auth.Grant, dir string, chosen []string) addPage {
	l := g.License
	p := addPage{Tabs: tabsOf(g, "add"), Roles: license.Roles, Free: l.Free(), EmailRole: string(license.RoleStudent), Domains: g.Domains}
	// Deploying is the license admins'; a domain admin adds by hand only.
	if g.Access >= auth.AccessLicense {
		p.Deploy = s.deployForm(r, l.ID, dir, chosen)
	}
	return p
}

// directoryNames lists the directory connectors to offer.
func (s *server) directoryNames(r *http.Request) ([]string, error) {
	if len(s.directories) > 0 || s.syncs == nil {
		return s.directories, nil
	}
	deps, err := s.syncs.Deployments(r.Context(), "")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range deps {
		if d.Type == "google-directory" && !slices.Contains(out, d.Connector) {
			out = append(out, d.Connector)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (s *server) deployForm(r *http.Request, licenseID, dir string, chosen []string) deployForm {
	f := deployForm{Role: string(license.RoleStudent), Chosen: chosen}
	if s.syncs == nil {
		return f
	}
	dirs, err := s.directoryNames(r)
	if err != nil {
		s.log.Warn("list directory connectors", "err", err)
		f.Error = "The directory connectors could not be listed just now."
		return f
	}
	f.Directories = dirs
	if len(dirs) == 0 {
		return f
	}
	f.Enabled = true
	f.Directory = dirs[0]
	if slices.Contains(dirs, dir) {
		f.Directory = dir
	}
	ous, err := s.orgUnitsFor(r, f.Directory)
	if err != nil {
		s.log.Warn("list org units", "connector", f.Directory, "err", err)
		f.Error = "The org units of " + f.Directory + " could not be read: " + err.Error()
		return f
	}
	slices.SortFunc(ous, func(a, b license.OrgUnitView) int { return strings.Compare(a.Path, b.Path) })
	deployed, err := s.syncs.Deployments(r.Context(), licenseID)
	if err != nil {
		s.log.Warn("list deployments", "license", licenseID, "err", err)
	}
	for _, ou := range ous {
		depth := strings.Count(strings.Trim(ou.Path, "/"), "/")
		if ou.Path == "/" {
			depth = 0
		} else {
			depth++
		}
		f.Units = append(f.Units, unitOption{OrgUnitView: ou, Depth: depth, Checked: slices.Contains(chosen, ou.Path),
			DeployedBy: deployedBy(deployed, f.Directory, ou.Path)})
	}
	return f
}

// splitEmails reads the emails box: one per line, or separated by commas,
// semicolons or spaces.
func splitEmails(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ';' || r == '\n' || r == '\r' || r == ' ' || r == '\t'
	})
}

func (s *server) addEmails(w http.ResponseWriter, r *http.Request, v viewer) {
	l, g, ok := s.licenseFor(w, r, v, needMembers)
	if !ok {
		return
	}
	box := r.PostFormValue("emails")
	p := s.newAddPage(r, g, "", nil)
	p.Emails = box
	role, err := license.ParseRole(r.PostFormValue("role"))
	if err != nil {
		p.EmailErrors = []string{err.Error()}
	}
	p.EmailRole = string(role)
	entries := splitEmails(box)
	if len(entries) == 0 {
		p.EmailErrors = append(p.EmailErrors, "Type or paste at least one email address.")
	}
	if len(entries) > maxEmailsBox {
		p.EmailErrors = append(p.EmailErrors, fmt.Sprintf("%d addresses is more than the box takes (%d); upload them as a CSV file instead.", len(entries), maxEmailsBox))
	}
	changes := make([]license.Change, 0, len(entries))
	seen := map[string]bool{}
	for i, e := range entries {
		n, err := license.NormalizeEmail(e)
		if err != nil {
			p.EmailErrors = append(p.EmailErrors, fmt.Sprintf("Address %d, %q, is not a valid email address.", i+1, e))
			continue
		}
		if !g.Covers(n) {
			p.EmailErrors = append(p.EmailErrors, fmt.Sprintf("Address %d, %s, is not in a domain you administer (%s).", i+1, n, strings.Join(g.Domains, ", ")))
			continue
		}
		if !seen[n] {
			seen[n] = true
			changes = append(changes, license.Change{Op: license.OpUpsert, Email: n, Source: license.SourceManual, Role: role})
		}
	}
	page := func(status int) {
		s.render(w, r, status, "add", view{Title: l.Name + " · Add users", Section: "licenses", Viewer: v, Page: p})
	}
	if len(p.EmailErrors) > 0 {
		page(http.StatusUnprocessableEntity)
		return
	}
	res, err := s.store.Apply(r.Context(), l.ID, changes, license.ApplyOptions{Actor: v.Email, Now: s.now(), Atomic: true, AllOrNothingSeats: true})
	switch {
	case errors.Is(err, license.ErrSeatLimit):
		p.EmailErrors = []string{fmt.Sprintf("Nobody was added: the new members do not all fit in the %d free %s. Remove members or ask for more seats.", l.Free(), map[bool]string{true: "seat", false: "seats"}[l.Free() == 1])}
		page(http.StatusConflict)
		return
	case errors.Is(err, license.ErrExpired):
		p.EmailErrors = []string{"Nobody was added: the license has expired."}
		page(http.StatusConflict)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	if len(res.Overflow) > 0 {
		p.EmailErrors = []string{fmt.Sprintf("%d could not be added: %s.", len(res.Overflow), res.Overflow[0].Reason)}
		page(http.StatusConflict)
		return
	}
	s.log.Info("members added from the dashboard", "license", l.ID, "added", res.MembersAdded, "actor", v.Email)
	already := len(changes) - res.MembersAdded
	msg := fmt.Sprintf("Added %d new %s.", res.MembersAdded, map[bool]string{true: "member", false: "members"}[res.MembersAdded == 1])
	if already > 0 {
		msg += fmt.Sprintf(" %d %s already on the license.", already, map[bool]string{true: "was", false: "were"}[already == 1])
	}
	redirect(w, r, "/licenses/"+l.ID+"/members", "success", msg)
}

func (s *server) sampleCSV(w http.ResponseWriter, r *http.Request, v viewer) {
	if _, _, ok := s.licenseFor(w, r, v, needRead); !ok {
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="rollcall-users-sample.csv"`)
	_, _ = io.WriteString(w, csvio.Sample())
}

func (s *server) uploadCSV(w http.ResponseWriter, r *http.Request, v viewer) {
	l, g, ok := s.licenseFor(w, r, v, needMembers)
	if !ok {
		return
	}
	p := s.newAddPage(r, g, "", nil)
	page := func(status int) {
		s.render(w, r, status, "add", view{Title: l.Name + " · Add users", Section: "licenses", Viewer: v, Page: p})
	}
	r.Body = http.MaxBytesReader(w, r.Body, csvio.MaxBytes+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		p.CSVError = "The upload could not be read (is it larger than 100 MiB?). Nothing changed."
		page(http.StatusBadRequest)
		return
	}
	defer r.MultipartForm.RemoveAll()
	f, hdr, err := r.FormFile("file")
	if err != nil {
		p.CSVError = "Choose a CSV file to upload."
		page(http.StatusUnprocessableEntity)
		return
	}
	defer f.Close()
	p.CSVFile = hdr.Filename
	remove := r.FormValue("mode") == "remove"
	rows, err := csvio.ReadImport(f, hdr.Filename)
	var ie *csvio.ImportError
	switch {
	case errors.As(err, &ie):
		p.CSVErrors, p.CSVMore = ie.Rows, ie.More
		page(http.StatusUnprocessableEntity)
		return
	case errors.Is(err, csvio.ErrTooLarge):
		p.CSVError = err.Error() + ". Nothing changed."
		page(http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		p.CSVError = "The file could not be read: " + err.Error() + ". Nothing changed."
		page(http.StatusUnprocessableEntity)
		return
	case len(rows) == 0:
		p.CSVError = hdr.Filename + " lists nobody. Nothing changed."
		page(http.StatusUnprocessableEntity)
		return
	}
	for _, row := range rows {
		if !g.Covers(row.Email) {
			p.CSVErrors = append(p.CSVErrors, csvio.RowError{Line: row.Line, Field: "email", Value: row.Email,
				Reason: "is not in a domain you administer (" + strings.Join(g.Domains, ", ") + ")"})
		}
	}
	if len(p.CSVErrors) > 0 {
		page(http.StatusUnprocessableEntity)
		return
	}
	now := s.now()
	res, err := csvio.Import(r.Context(), s.store, l.ID, rows, csvio.ImportOptions{
		Remove: remove, UploadID: csvio.NewUploadID(now), Actor: v.Email, Now: now,
	})
	switch {
	case errors.Is(err, license.ErrSeatLimit):
		p.CSVError = fmt.Sprintf("%s: the new members do not all fit in the %d free seats. Nothing changed.", hdr.Filename, l.Free())
		page(http.StatusConflict)
		return
	case errors.Is(err, license.ErrExpired):
		p.CSVError = hdr.Filename + ": the license has expired and takes no one new. Nothing changed."
		page(http.StatusConflict)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	s.log.Info("CSV imported from the dashboard", "license", l.ID, "file", hdr.Filename, "remove", remove, "actor", v.Email)
	var msg string
	if remove {
		msg = fmt.Sprintf("%s: removed %d %s.", hdr.Filename, res.MembersRemoved, map[bool]string{true: "member", false: "members"}[res.MembersRemoved == 1])
		if len(res.Kept) > 0 {
			msg += fmt.Sprintf(" %d stay because a sync or domain still claims them.", len(res.Kept))
		}
		if len(res.NotFound) > 0 {
			msg += fmt.Sprintf(" %d were not on the license.", len(res.NotFound))
		}
	} else {
		msg = fmt.Sprintf("%s: %d rows read, %d new %s added, %d updated.", hdr.Filename, len(rows), res.MembersAdded,
			map[bool]string{true: "member", false: "members"}[res.MembersAdded == 1], res.ClaimsAdded+res.ClaimsUpdated)
	}
	redirect(w, r, "/licenses/"+l.ID+"/members", "success", msg)
}

// deployOU previews (action=preview) or makes (action=deploy) a deployment
// of the license to the chosen org units. The preview is the first sync's
// plan, computed without saving anything.
func (s *server) deployOU(w http.ResponseWriter, r *http.Request, v viewer) {
	l, g, ok := s.licenseFor(w, r, v, needManage)
	if !ok {
		return
	}
	if s.syncs == nil {
		s.notFound(w, r, v)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	dir := r.PostFormValue("connector")
	units := r.PostForm["ou"]
	p := s.newAddPage(r, g, dir, units)
	page := func(status int) {
		s.render(w, r, status, "add", view{Title: l.Name + " · Add users", Section: "licenses", Viewer: v, Page: p})
	}
	role, err := license.ParseRole(r.PostFormValue("role"))
	if err != nil {
		p.Deploy.Error = err.Error()
		page(http.StatusUnprocessableEntity)
		return
	}
	p.Deploy.Role = string(role)
	if !slices.Contains(p.Deploy.Directories, dir) {
		p.Deploy.Error = "Choose a directory."
		page(http.StatusUnprocessableEntity)
		return
	}
	if len(units) == 0 {
		p.Deploy.Error = "Choose at least one organizational unit."
		page(http.StatusUnprocessableEntity)
		return
	}
	req := license.DeployOURequest{License: l.ID, Connector: dir, OrgUnits: map[string]license.Role{}, Actor: v.Email,
		DryRun: r.PostFormValue("action") != "deploy"}
	for _, u := range units {
		req.OrgUnits[u] = role
	}
	dep, plan, err := s.syncs.DeployOU(r.Context(), req)
	if err != nil {
		s.log.Info("deploy to org units refused", "license", l.ID, "actor", v.Email, "err", err)
		p.Deploy.Error = "Not deployed: " + err.Error()
		page(http.StatusUnprocessableEntity)
		return
	}
	if req.DryRun {
		pv, err := s.previewOf(r.Context(), l, plan)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p.Deploy.Preview = &pv
		page(http.StatusOK)
		return
	}
	s.log.Info("license deployed to org units from the dashboard", "license", l.ID, "deployment", dep.Name, "actor", v.Email)
	msg := fmt.Sprintf("Deployed to %s as %s (deployment %s).", strings.Join(units, ", "), role, dep.Name)
	if run := dep.LastRun; run != nil && run.Result != "running" && run.Result != "" {
		msg += fmt.Sprintf(" Its first sync: %s, %d added, %d that did not fit.", run.Result, run.Added, run.Overflow)
	} else {
		msg += " Its first sync is running; the list fills as it goes."
	}
	redirect(w, r, "/licenses/"+l.ID+"/members", "success", msg)
}

// deployedBy names the deployment of this license on connector dir whose
// units cover path (the unit itself or one above it, sub-units being
// included), or "".
func deployedBy(deps []license.DeploymentView, dir, path string) string {
	for _, d := range deps {
		if d.Connector != dir {
			continue
		}
		for _, u := range d.Units {
			if u == path || u == "/" || strings.HasPrefix(path, strings.TrimSuffix(u, "/")+"/") {
				return d.Name
			}
		}
	}
	return ""
}

// orgUnitsFor lists the directory's org units as the viewer may see
// them: operators the tree, everyone else the units the directory says
// they may read (the rule the deploy check applies), none when the sync
// side cannot ask.
func (s *server) orgUnitsFor(r *http.Request, dir string) ([]license.OrgUnitView, error) {
	v, _ := s.acc.viewer(r.Context())
	if v.Role == auth.RoleOperator {
		return s.syncs.OrgUnits(r.Context(), dir)
	}
	reader, ok := s.syncs.(license.OrgUnitReader)
	if !ok {
		return nil, nil
	}
	return reader.OrgUnitsFor(r.Context(), dir, v.Email)
}
