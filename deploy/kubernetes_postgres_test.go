package deploy

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// overlay is the part of a kustomization overlay these tests read.
type overlay struct {
	Kind      string   `yaml:"kind"`
	Namespace string   `yaml:"namespace"`
	Resources []string `yaml:"resources"`
	Patches   []struct {
		Path string `yaml:"path"`
	} `yaml:"patches"`
}

// composePostgres builds the PostgreSQL mode's objects as kustomize does
// for what the overlay uses: the base's objects, less those a
// "$patch: delete" names, with the ConfigMap patch's data replacing the
// base's, plus the overlay's own resources.
func composePostgres(t *testing.T, dir string) []*k8sObject {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k overlay
	if err := yaml.Unmarshal(raw, &k); err != nil {
		t.Fatalf("%s/kustomization.yaml: %v", dir, err)
	}
	if k.Kind != "Kustomization" || k.Namespace != "rollcall" {
		t.Errorf("%s/kustomization.yaml: kind %q namespace %q, want Kustomization in rollcall", dir, k.Kind, k.Namespace)
	}
	// Every file of the folder is a resource or a patch.
	var used []string
	var base string
	var own []string
	for _, r := range k.Resources {
		if strings.HasPrefix(r, "..") {
			base = filepath.Join(dir, r)
			continue
		}
		own = append(own, r)
		used = append(used, r)
	}
	for _, p := range k.Patches {
		used = append(used, p.Path)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	var have []string
	for _, f := range files {
		if b := filepath.Base(f); b != "kustomization.yaml" {
			have = append(have, b)
		}
	}
	if slices.Sort(used); !slices.Equal(used, have) {
		t.Errorf("%s/kustomization.yaml uses %q, but the folder holds %q", dir, used, have)
	}
	if base != filepath.Join(dir, "..", "kubernetes") {
		t.Fatalf("%s: the base is %q, want ../kubernetes", dir, base)
	}
	objs := readManifests(t, base, readKustomization(t, base))
	for _, p := range k.Patches {
		path := filepath.Join(dir, p.Path)
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var del struct {
			Patch string `yaml:"$patch"`
		}
		if err := yaml.Unmarshal(raw, &del); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		patch := readManifests(t, dir, []string{p.Path})[0]
		target := findObject(objs, patch.Kind, patch.Metadata.Name)
		if target == nil {
			t.Fatalf("%s patches %s %s, which the base does not have", path, patch.Kind, patch.Metadata.Name)
		}
		switch {
		case del.Patch == "delete":
			objs = slices.DeleteFunc(objs, func(o *k8sObject) bool { return o == target })
		case patch.Kind == "ConfigMap":
			for key, v := range patch.Data {
				target.Data[key] = v
			}
			target.file = path
		default:
			t.Fatalf("%s: a patch of a %s; this test only knows deletes and ConfigMap data", path, patch.Kind)
		}
	}
	return append(objs, readManifests(t, dir, own)...)
}

// TestKubernetesPostgresManifests: the PostgreSQL mode runs replicas of
// the image's command in a Deployment (no StatefulSet, no volume claim),
// each given the database URL, with a config that parses and names the
// PostgreSQL store, and readiness on /readyz.
func TestKubernetesPostgresManifests(t *testing.T) {
	const dir = "kubernetes-postgres"
	objs := composePostgres(t, dir)
	if n := len(byKind(objs, "StatefulSet")); n != 0 {
		t.Errorf("%d StatefulSets left; the PostgreSQL mode runs a Deployment", n)
	}
	deps := byKind(objs, "Deployment")
	if len(deps) != 1 {
		t.Fatalf("want one Deployment, found %d", len(deps))
	}
	d := deps[0]
	if d.Spec.Replicas == nil || *d.Spec.Replicas < 2 {
		t.Errorf("%s: replicas %v; the PostgreSQL mode is for several", d.file, d.Spec.Replicas)
	}
	pod := d.Spec.Template.Spec
	if sel, err := selectorLabels(d); err != nil || !subset(sel, d.Spec.Template.Metadata.Labels) {
		t.Errorf("%s: selector %v (%v) does not select its pods %v", d.file, sel, err, d.Spec.Template.Metadata.Labels)
	}
	svc := findObject(objs, "Service", "rollcall")
	if sel, err := selectorLabels(svc); svc == nil || err != nil || !subset(sel, d.Spec.Template.Metadata.Labels) {
		t.Errorf("Service rollcall does not select the replicas")
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%s: want one container", d.file)
	}
	c := pod.Containers[0]
	if cmd := readDockerfile(t, "Dockerfile").cmd; !slices.Equal(c.Args, cmd) {
		t.Errorf("container args %q, Dockerfile CMD %q", c.Args, cmd)
	}
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != readyPath {
		t.Errorf("readinessProbe must GET %s (it fails when the replica cannot reach the leases)", readyPath)
	}
	// The data directory is scratch: nothing may ask for a volume claim.
	data, _ := flagValue(c.Args, "--data-dir")
	for _, m := range c.VolumeMounts {
		if m.MountPath != data {
			continue
		}
		for _, v := range pod.Volumes {
			if v.Name == m.Name && v.EmptyDir == nil {
				t.Errorf("--data-dir %s is mounted from %s, not an emptyDir", data, v.Name)
			}
		}
	}
	// Every Secret is placeholders, and the container gets the URL.
	var gotURL bool
	for _, e := range c.EnvFrom {
		if e.SecretRef == nil {
			continue
		}
		sec := findObject(objs, "Secret", e.SecretRef.Name)
		if sec == nil {
			t.Fatalf("envFrom secret %q is in neither the base nor the overlay", e.SecretRef.Name)
		}
		if _, ok := sec.StringData["DATABASE_URL"]; ok {
			gotURL = true
		}
	}
	if !gotURL {
		t.Error("no envFrom Secret gives DATABASE_URL")
	}
	for _, sec := range byKind(objs, "Secret") {
		for k, v := range sec.StringData {
			if !strings.Contains(v, "REPLACE_ME") {
				t.Errorf("%s: %s is not a placeholder (want a REPLACE_ME part)", sec.file, k)
			}
		}
	}
	cm := findObject(objs, "ConfigMap", "rollcall-config")
	cfgPath, _ := flagValue(c.Args, "--config")
	body := cm.Data[filepath.Base(cfgPath)]
	if !strings.Contains(body, "driver: postgres") || !strings.Contains(body, "${DATABASE_URL}") {
		t.Errorf("%s: the config does not put the store in PostgreSQL at ${DATABASE_URL}", cm.file)
	}
	checkSampleConfig(t, objs, pod, c, cfgPath, body)

	// Where kubectl is installed, kustomize itself must render the same
	// objects.
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Log("kubectl is not installed: the rendering by kustomize is not checked")
		return
	}
	out, err := exec.Command(kubectl, "kustomize", dir).Output()
	if err != nil {
		t.Fatalf("kubectl kustomize %s: %v", dir, err)
	}
	var rendered []string
	dec := yaml.NewDecoder(bytes.NewReader(out))
	for {
		var o k8sObject
		if err := dec.Decode(&o); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		rendered = append(rendered, o.Kind+"/"+o.Metadata.Name)
	}
	var composed []string
	for _, o := range objs {
		composed = append(composed, o.Kind+"/"+o.Metadata.Name)
	}
	slices.Sort(rendered)
	slices.Sort(composed)
	if !slices.Equal(rendered, composed) {
		t.Errorf("kustomize renders %q; this test composed %q", rendered, composed)
	}
}
