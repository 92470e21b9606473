package deploy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/googledirectory"
)

// The binary's own defaults as the image runs it. Each manifest is checked
// against these and against the Dockerfile, so a change in one place that is
// not made in the others fails here.
const (
	listenPort = 8080
	configPath = "/etc/rollcall/rollcall.yaml"
	dataDir    = "/var/lib/rollcall"
	nonrootUID = 65532
	healthPath = "/healthz"
	readyPath  = "/readyz"
)

// k8sObject is the part of a Kubernetes object these tests read. Fields the
// tests do not need are left out, so decoding cannot be strict.
type k8sObject struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Spec       k8sSpec           `yaml:"spec"`
	Data       map[string]string `yaml:"data"`
	StringData map[string]string `yaml:"stringData"`

	file string // where it was read, for messages
}

type k8sSpec struct {
	// StatefulSet
	Replicas    *int   `yaml:"replicas"`
	ServiceName string `yaml:"serviceName"`
	// A label map in a Service; {matchLabels: ...} in a StatefulSet and a
	// ServiceMonitor. Read with selectorLabels.
	Selector yaml.Node `yaml:"selector"`
	Template struct {
		Metadata struct {
			Labels map[string]string `yaml:"labels"`
		} `yaml:"metadata"`
		Spec podSpec `yaml:"spec"`
	} `yaml:"template"`
	VolumeClaimTemplates []struct {
		Metadata struct {
			Name string `yaml:"name"`
		} `yaml:"metadata"`
	} `yaml:"volumeClaimTemplates"`
	// Service
	ClusterIP string        `yaml:"clusterIP"`
	Ports     []servicePort `yaml:"ports"`
	// ServiceMonitor
	Endpoints []struct {
		Port string `yaml:"port"`
		Path string `yaml:"path"`
	} `yaml:"endpoints"`
}

type servicePort struct {
	Name       string    `yaml:"name"`
	Port       int       `yaml:"port"`
	TargetPort yaml.Node `yaml:"targetPort"`
}

type podSpec struct {
	SecurityContext struct {
		RunAsNonRoot   *bool           `yaml:"runAsNonRoot"`
		RunAsUser      *int            `yaml:"runAsUser"`
		FSGroup        *int            `yaml:"fsGroup"`
		SeccompProfile *seccompProfile `yaml:"seccompProfile"`
	} `yaml:"securityContext"`
	Containers []container `yaml:"containers"`
	Volumes    []struct {
		Name      string `yaml:"name"`
		ConfigMap *struct {
			Name string `yaml:"name"`
		} `yaml:"configMap"`
		Secret *struct {
			SecretName string `yaml:"secretName"`
		} `yaml:"secret"`
		EmptyDir *struct{} `yaml:"emptyDir"`
	} `yaml:"volumes"`
	TerminationGracePeriodSeconds *int `yaml:"terminationGracePeriodSeconds"`
}

type seccompProfile struct {
	Type string `yaml:"type"`
}

type container struct {
	Name  string   `yaml:"name"`
	Args  []string `yaml:"args"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	EnvFrom []struct {
		SecretRef *struct {
			Name string `yaml:"name"`
		} `yaml:"secretRef"`
	} `yaml:"envFrom"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	StartupProbe   *probe `yaml:"startupProbe"`
	Resources      struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	SecurityContext struct {
		RunAsNonRoot             *bool `yaml:"runAsNonRoot"`
		RunAsUser                *int  `yaml:"runAsUser"`
		ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
		AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
		Capabilities             struct {
			Drop []string `yaml:"drop"`
		} `yaml:"capabilities"`
		SeccompProfile *seccompProfile `yaml:"seccompProfile"`
	} `yaml:"securityContext"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
		ReadOnly  bool   `yaml:"readOnly"`
	} `yaml:"volumeMounts"`
}

type probe struct {
	HTTPGet *struct {
		Path string    `yaml:"path"`
		Port yaml.Node `yaml:"port"`
	} `yaml:"httpGet"`
}

// readKustomization returns the resources the kustomization lists, after
// checking that they are exactly the manifest files of the folder: a file
// left out of the list would silently not be deployed.
func readKustomization(t *testing.T, dir string) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		Kind      string   `yaml:"kind"`
		Resources []string `yaml:"resources"`
	}
	if err := yaml.Unmarshal(raw, &k); err != nil {
		t.Fatalf("%s/kustomization.yaml: %v", dir, err)
	}
	if k.Kind != "Kustomization" {
		t.Errorf("%s/kustomization.yaml: kind %q, want Kustomization", dir, k.Kind)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var manifests []string
	for _, f := range files {
		if b := filepath.Base(f); b != "kustomization.yaml" {
			manifests = append(manifests, b)
		}
	}
	listed := slices.Sorted(slices.Values(k.Resources))
	if !slices.Equal(listed, manifests) {
		t.Errorf("%s/kustomization.yaml lists resources %q, but the folder holds %q", dir, listed, manifests)
	}
	return k.Resources
}

// readManifests decodes every YAML document of the listed files.
func readManifests(t *testing.T, dir string, files []string) []*k8sObject {
	t.Helper()
	var objs []*k8sObject
	for _, name := range files {
		path := filepath.Join(dir, name)
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		for doc := 1; ; doc++ {
			var obj k8sObject
			err := dec.Decode(&obj)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: document %d: %v", path, doc, err)
			}
			if obj.APIVersion == "" || obj.Kind == "" || obj.Metadata.Name == "" {
				t.Errorf("%s: document %d: apiVersion, kind and metadata.name are required (got %q, %q, %q)",
					path, doc, obj.APIVersion, obj.Kind, obj.Metadata.Name)
			}
			obj.file = fmt.Sprintf("%s (document %d)", path, doc)
			objs = append(objs, &obj)
		}
	}
	return objs
}

func byKind(objs []*k8sObject, kind string) []*k8sObject {
	var out []*k8sObject
	for _, o := range objs {
		if o.Kind == kind {
			out = append(out, o)
		}
	}
	return out
}

func findObject(objs []*k8sObject, kind, name string) *k8sObject {
	for _, o := range objs {
		if o.Kind == kind && o.Metadata.Name == name {
			return o
		}
	}
	return nil
}

// resolvePort turns a port given by number or by name into a number, the
// way the kubelet does for probes and a Service's targetPort.
func resolvePort(n yaml.Node, c container) (int, error) {
	if n.Kind != yaml.ScalarNode {
		return 0, fmt.Errorf("port is missing or not a scalar")
	}
	if p, err := strconv.Atoi(n.Value); err == nil {
		return p, nil
	}
	for _, p := range c.Ports {
		if p.Name == n.Value {
			return p.ContainerPort, nil
		}
	}
	return 0, fmt.Errorf("port name %q is not a port of container %s", n.Value, c.Name)
}

// selectorLabels returns the labels an object's spec.selector requires.
func selectorLabels(o *k8sObject) (map[string]string, error) {
	var sel struct {
		MatchLabels map[string]string `yaml:"matchLabels"`
	}
	var plain map[string]string
	var err error
	if o.Kind == "Service" {
		err = o.Spec.Selector.Decode(&plain)
	} else {
		err = o.Spec.Selector.Decode(&sel)
		plain = sel.MatchLabels
	}
	if err != nil {
		return nil, fmt.Errorf("%s: spec.selector: %w", o.file, err)
	}
	return plain, nil
}

// subset reports whether every label of sel is in labels.
func subset(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return len(sel) > 0
}

// flagValue returns the value after flag in args.
func flagValue(args []string, flag string) (string, bool) {
	i := slices.Index(args, flag)
	if i < 0 || i+1 >= len(args) {
		return "", false
	}
	return args[i+1], true
}

// dockerfile is what the tests read from deploy/Dockerfile: the JSON-form
// instructions of its final stage.
type dockerfile struct {
	entrypoint, cmd, healthcheck []string
	user                         string
	expose, volumes              []string
	env                          map[string]string
}

func readDockerfile(t *testing.T, path string) dockerfile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// Join continuation lines, then take the instructions after the last FROM.
	var lines []string
	var cur strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cur.WriteString(strings.TrimSuffix(line, "\\") + " ")
			continue
		}
		cur.WriteString(line)
		if s := strings.TrimSpace(cur.String()); s != "" {
			lines = append(lines, s)
		}
		cur.Reset()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	var d dockerfile
	jsonArray := func(lineNo int, s string) []string {
		var out []string
		if err := json.Unmarshal([]byte(s), &out); err != nil {
			t.Fatalf("%s: instruction %d: want a JSON array (exec form), got %q: %v", path, lineNo, s, err)
		}
		return out
	}
	for i, line := range lines {
		instr, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		switch strings.ToUpper(instr) {
		case "FROM":
			d = dockerfile{env: map[string]string{}}
		case "ENV":
			for _, kv := range strings.Fields(rest) {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					t.Fatalf("%s: instruction %d: ENV %q: want KEY=value", path, i, kv)
				}
				d.env[k] = v
			}
		case "ENTRYPOINT":
			d.entrypoint = jsonArray(i, rest)
		case "CMD":
			d.cmd = jsonArray(i, rest)
		case "USER":
			d.user = rest
		case "EXPOSE":
			d.expose = append(d.expose, strings.Fields(rest)...)
		case "VOLUME":
			d.volumes = append(d.volumes, strings.Fields(rest)...)
		case "HEALTHCHECK":
			_, hc, ok := strings.Cut(rest, "CMD ")
			if !ok {
				t.Fatalf("%s: HEALTHCHECK without CMD: %q", path, rest)
			}
			d.healthcheck = jsonArray(i, hc)
		}
	}
	return d
}

func TestDockerfile(t *testing.T) {
	d := readDockerfile(t, "Dockerfile")
	if !slices.Equal(d.entrypoint, []string{"/rollcall"}) {
		t.Errorf("ENTRYPOINT = %q, want [/rollcall]", d.entrypoint)
	}
	if len(d.cmd) == 0 || d.cmd[0] != "serve" {
		t.Fatalf("CMD = %q, want serve and its flags", d.cmd)
	}
	for flag, want := range map[string]string{"--config": configPath, "--data-dir": dataDir, "--listen": ":" + strconv.Itoa(listenPort)} {
		if got, ok := flagValue(d.cmd, flag); !ok || got != want {
			t.Errorf("CMD %s = %q, want %q", flag, got, want)
		}
	}
	// Admin commands run with docker exec must find the files serve uses.
	for k, want := range map[string]string{"ROLLCALL_DATA_DIR": dataDir, "ROLLCALL_CONFIG": configPath} {
		if d.env[k] != want {
			t.Errorf("ENV %s = %q, want %q (as the CMD)", k, d.env[k], want)
		}
	}
	if uid, _, _ := strings.Cut(d.user, ":"); uid != strconv.Itoa(nonrootUID) {
		t.Errorf("USER = %q, want uid %d", d.user, nonrootUID)
	}
	if !slices.Contains(d.expose, strconv.Itoa(listenPort)) {
		t.Errorf("EXPOSE = %q, want %d", d.expose, listenPort)
	}
	if !slices.Contains(d.volumes, dataDir) {
		t.Errorf("VOLUME = %q, want %s", d.volumes, dataDir)
	}
	// The health check must reach the port serve listens on, at /healthz.
	want := []string{"/rollcall", "healthcheck", "--url", fmt.Sprintf("http://127.0.0.1:%d%s", listenPort, healthPath)}
	if !slices.Equal(d.healthcheck, want) {
		t.Errorf("HEALTHCHECK CMD = %q, want %q", d.healthcheck, want)
	}
}

func TestKubernetesManifests(t *testing.T) {
	const dir = "kubernetes"
	objs := readManifests(t, dir, readKustomization(t, dir))
	dockerCmd := readDockerfile(t, "Dockerfile").cmd

	sets := byKind(objs, "StatefulSet")
	if len(sets) != 1 {
		t.Fatalf("want exactly one StatefulSet, found %d", len(sets))
	}
	sts := sets[0]
	if sts.Spec.Replicas == nil || *sts.Spec.Replicas != 1 {
		t.Errorf("%s: replicas must be 1 (bbolt files have one writer)", sts.file)
	}
	pod := sts.Spec.Template.Spec
	podLabels := sts.Spec.Template.Metadata.Labels
	if sel, err := selectorLabels(sts); err != nil || !subset(sel, podLabels) {
		t.Errorf("%s: selector %v (%v) does not select the pod template labels %v", sts.file, sel, err, podLabels)
	}
	if gov := findObject(objs, "Service", sts.Spec.ServiceName); gov == nil {
		t.Errorf("%s: serviceName %q: no such Service", sts.file, sts.Spec.ServiceName)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%s: want one container, found %d", sts.file, len(pod.Containers))
	}
	c := pod.Containers[0]

	t.Run("args match the image CMD", func(t *testing.T) {
		if !slices.Equal(c.Args, dockerCmd) {
			t.Errorf("container args %q, Dockerfile CMD %q", c.Args, dockerCmd)
		}
	})

	t.Run("ports and probes", func(t *testing.T) {
		listen, _ := flagValue(c.Args, "--listen")
		_, portStr, err := net.SplitHostPort(listen)
		if err != nil {
			t.Fatalf("--listen %q: %v", listen, err)
		}
		if portStr != strconv.Itoa(listenPort) {
			t.Errorf("--listen %q, want port %d", listen, listenPort)
		}
		if len(c.Ports) != 1 || c.Ports[0].ContainerPort != listenPort || c.Ports[0].Name != "http" {
			t.Errorf("container ports %+v, want one port %d named http", c.Ports, listenPort)
		}
		probes := []struct {
			name string
			p    *probe
			path string
		}{
			{"livenessProbe", c.LivenessProbe, healthPath},
			{"readinessProbe", c.ReadinessProbe, readyPath},
			{"startupProbe", c.StartupProbe, healthPath},
		}
		for _, pr := range probes {
			if pr.p == nil || pr.p.HTTPGet == nil {
				t.Errorf("%s: missing or not httpGet", pr.name)
				continue
			}
			if pr.p.HTTPGet.Path != pr.path {
				t.Errorf("%s path %q, want %q", pr.name, pr.p.HTTPGet.Path, pr.path)
			}
			port, err := resolvePort(pr.p.HTTPGet.Port, c)
			if err != nil || port != listenPort {
				t.Errorf("%s port = %d (%v), want %d", pr.name, port, err, listenPort)
			}
		}
	})

	t.Run("mounts", func(t *testing.T) {
		claims := map[string]bool{}
		for _, vct := range sts.Spec.VolumeClaimTemplates {
			claims[vct.Metadata.Name] = true
		}
		mounts := map[string]string{} // path → volume
		for _, m := range c.VolumeMounts {
			mounts[m.MountPath] = m.Name
		}
		data, _ := flagValue(c.Args, "--data-dir")
		if v, ok := mounts[data]; !ok || !claims[v] {
			t.Errorf("--data-dir %s must be mounted from a volumeClaimTemplate; mounts %v, claims %v", data, mounts, claims)
		}
		cfg, _ := flagValue(c.Args, "--config")
		cfgDir, cfgFile := filepath.Split(cfg)
		cfgDir = filepath.Clean(cfgDir)
		v, ok := mounts[cfgDir]
		if !ok {
			t.Fatalf("--config %s: nothing is mounted at %s; mounts %v", cfg, cfgDir, mounts)
		}
		var cmName string
		for _, vol := range pod.Volumes {
			if vol.Name == v && vol.ConfigMap != nil {
				cmName = vol.ConfigMap.Name
			}
		}
		cm := findObject(objs, "ConfigMap", cmName)
		if cm == nil {
			t.Fatalf("volume %q at %s is not a ConfigMap of the base (name %q)", v, cfgDir, cmName)
		}
		body, ok := cm.Data[cfgFile]
		if !ok {
			t.Fatalf("%s: ConfigMap %s has no key %s, which --config reads", cm.file, cm.Metadata.Name, cfgFile)
		}
		checkSampleConfig(t, objs, pod, c, cfg, body)
		// A read-only root needs somewhere writable for temporary files.
		if _, ok := mounts["/tmp"]; !ok {
			t.Errorf("no volume at /tmp, but the root filesystem is read-only")
		}
	})

	t.Run("security context", func(t *testing.T) {
		sc := c.SecurityContext
		if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Error("readOnlyRootFilesystem must be true")
		}
		if sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
			t.Error("container runAsNonRoot must be true")
		}
		if pod.SecurityContext.RunAsNonRoot == nil || !*pod.SecurityContext.RunAsNonRoot {
			t.Error("pod runAsNonRoot must be true")
		}
		for name, uid := range map[string]*int{"container runAsUser": sc.RunAsUser, "pod runAsUser": pod.SecurityContext.RunAsUser, "pod fsGroup": pod.SecurityContext.FSGroup} {
			if uid == nil || *uid != nonrootUID {
				t.Errorf("%s must be %d, the image's user", name, nonrootUID)
			}
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Error("allowPrivilegeEscalation must be false")
		}
		if !slices.Equal(sc.Capabilities.Drop, []string{"ALL"}) {
			t.Errorf("capabilities.drop = %q, want [ALL]", sc.Capabilities.Drop)
		}
		for name, sp := range map[string]*seccompProfile{"container": sc.SeccompProfile, "pod": pod.SecurityContext.SeccompProfile} {
			if sp == nil || sp.Type != "RuntimeDefault" {
				t.Errorf("%s seccompProfile must be RuntimeDefault", name)
			}
		}
		if c.Resources.Limits["memory"] == "" || c.Resources.Requests["memory"] == "" || c.Resources.Requests["cpu"] == "" {
			t.Errorf("resources %+v: want cpu and memory requests and a memory limit", c.Resources)
		}
	})

	t.Run("secret", func(t *testing.T) {
		var refs []string
		for _, e := range c.EnvFrom {
			if e.SecretRef != nil {
				refs = append(refs, e.SecretRef.Name)
			}
		}
		if len(refs) != 1 {
			t.Fatalf("want one envFrom secretRef, got %q", refs)
		}
		sec := findObject(objs, "Secret", refs[0])
		if sec == nil {
			t.Fatalf("envFrom secret %q is not in the base", refs[0])
		}
		// The committed Secret must only ever hold placeholders.
		for k, v := range sec.StringData {
			if !strings.HasPrefix(v, "REPLACE_ME") {
				t.Errorf("%s: %s does not look like a placeholder (want a REPLACE_ME value)", sec.file, k)
			}
		}
		if len(sec.Data) > 0 {
			t.Errorf("%s: use stringData placeholders, not data", sec.file)
		}
	})

	t.Run("service and service monitor", func(t *testing.T) {
		svc := findObject(objs, "Service", "rollcall")
		if svc == nil {
			t.Fatal("no Service named rollcall (the Prometheus job name the alert rules expect)")
		}
		for _, s := range byKind(objs, "Service") {
			if sel, err := selectorLabels(s); err != nil || !subset(sel, podLabels) {
				t.Errorf("%s: selector %v (%v) does not select the pod labels %v", s.file, sel, err, podLabels)
			}
		}
		if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Name != "http" || svc.Spec.Ports[0].Port != listenPort {
			t.Fatalf("Service ports %+v, want one port %d named http", svc.Spec.Ports, listenPort)
		}
		if p, err := resolvePort(svc.Spec.Ports[0].TargetPort, c); err != nil || p != listenPort {
			t.Errorf("Service targetPort resolves to %d (%v), want %d", p, err, listenPort)
		}

		monitors := byKind(objs, "ServiceMonitor")
		if len(monitors) != 1 {
			t.Fatalf("want one ServiceMonitor, found %d", len(monitors))
		}
		sm := monitors[0]
		if sm.APIVersion != "monitoring.coreos.com/v1" {
			t.Errorf("%s: apiVersion %q", sm.file, sm.APIVersion)
		}
		smSel, err := selectorLabels(sm)
		if err != nil {
			t.Fatal(err)
		}
		// It must pick the rollcall Service and no other, or every series
		// would be scraped twice.
		for _, s := range byKind(objs, "Service") {
			picked := subset(smSel, s.Metadata.Labels)
			if picked != (s == svc) {
				t.Errorf("ServiceMonitor selector %v picks Service %s: %v, want %v", smSel, s.Metadata.Name, picked, s == svc)
			}
		}
		if len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Port != svc.Spec.Ports[0].Name || sm.Spec.Endpoints[0].Path != "/metrics" {
			t.Errorf("ServiceMonitor endpoints %+v, want port %q path /metrics", sm.Spec.Endpoints, svc.Spec.Ports[0].Name)
		}
	})
}

// checkSampleConfig parses the ConfigMap's config file with the binary's own
// parser, its ${VAR}s taken from the Secret the container gets as
// environment, and checks each connector's settings the way serve will:
// the example must start as shipped, apart from its placeholder values.
func checkSampleConfig(t *testing.T, objs []*k8sObject, pod podSpec, c container, path, body string) {
	t.Helper()
	env := map[string]string{}
	for _, e := range c.EnvFrom {
		if e.SecretRef == nil {
			continue
		}
		if sec := findObject(objs, "Secret", e.SecretRef.Name); sec != nil {
			maps.Copy(env, sec.StringData)
		}
	}
	getenv := func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
	cfg, err := config.Parse([]byte(body), path, getenv)
	if err != nil {
		t.Fatalf("ConfigMap %s does not parse as a Rollcall config: %v", path, err)
	}
	// Where each secret volume is mounted, and the files it holds.
	secretFiles := map[string]bool{}
	for _, m := range c.VolumeMounts {
		for _, v := range pod.Volumes {
			if v.Name != m.Name || v.Secret == nil {
				continue
			}
			sec := findObject(objs, "Secret", v.Secret.SecretName)
			if sec == nil {
				t.Errorf("volume %s: Secret %q is not in the base", v.Name, v.Secret.SecretName)
				continue
			}
			for k := range sec.StringData {
				secretFiles[filepath.Join(m.MountPath, k)] = true
			}
		}
	}
	for _, conn := range cfg.Connectors {
		settings, err := connectors.NewConfig(conn.Type)
		if err != nil {
			t.Errorf("%s: %v", conn, err)
			continue
		}
		if err := config.DecodeStrict(&conn.Settings, path, settings); err != nil {
			t.Errorf("%s: %v", conn, err)
			continue
		}
		if err := settings.Validate(); err != nil {
			t.Errorf("%s: %v", conn, err)
		}
		if gd, ok := settings.(*googledirectory.Settings); ok && !secretFiles[gd.CredentialsFile] {
			t.Errorf("%s: credentials_file %s is not a file of a mounted Secret (have %v)", conn, gd.CredentialsFile, slices.Sorted(maps.Keys(secretFiles)))
		}
	}
	grace := pod.TerminationGracePeriodSeconds
	if grace == nil || time.Duration(*grace)*time.Second <= cfg.Sync.ShutdownTimeout {
		t.Errorf("terminationGracePeriodSeconds %v must exceed sync.shutdown_timeout %v, or the kubelet kills a finishing batch", grace, cfg.Sync.ShutdownTimeout)
	}
}

// TestSystemdUnit checks the unit runs the same command as the image (with
// systemd's state directory and a loopback listener) and keeps its hardening.
func TestSystemdUnit(t *testing.T) {
	const path = "systemd/rollcall.service"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	service := map[string][]string{}
	section := ""
	for n, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "["):
			section = line
		case section == "[Service]":
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Fatalf("%s:%d: not key=value: %q", path, n+1, line)
			}
			service[k] = append(service[k], v)
		}
	}

	exec := strings.Fields(strings.Join(service["ExecStart"], " "))
	if len(exec) < 2 || exec[0] != "/usr/local/bin/rollcall" || exec[1] != "serve" {
		t.Fatalf("ExecStart = %q, want /usr/local/bin/rollcall serve ...", exec)
	}
	for flag, want := range map[string]string{"--config": configPath, "--data-dir": "${STATE_DIRECTORY}", "--listen": "127.0.0.1:" + strconv.Itoa(listenPort)} {
		if got, _ := flagValue(exec, flag); got != want {
			t.Errorf("ExecStart %s = %q, want %q", flag, got, want)
		}
	}

	hardening := []struct{ key, want string }{
		{"DynamicUser", "yes"},
		{"StateDirectory", "rollcall"},
		{"ConfigurationDirectory", "rollcall"},
		{"ProtectSystem", "strict"},
		{"ProtectHome", "yes"},
		{"PrivateTmp", "yes"},
		{"PrivateDevices", "yes"},
		{"NoNewPrivileges", "yes"},
		{"ProtectKernelTunables", "yes"},
		{"ProtectKernelModules", "yes"},
		{"ProtectKernelLogs", "yes"},
		{"ProtectControlGroups", "yes"},
		{"RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"},
		{"SystemCallFilter", "@system-service"},
		{"CapabilityBoundingSet", ""},
		{"UMask", "0077"},
		{"Restart", "on-failure"},
		{"EnvironmentFile", "-/etc/rollcall/rollcall.env"},
	}
	for _, h := range hardening {
		if !slices.Contains(service[h.key], h.want) {
			t.Errorf("[Service] %s = %q, want it to include %q", h.key, service[h.key], h.want)
		}
	}
}

// TestSystemdEnvExample keeps real secrets out of the example env file.
func TestSystemdEnvExample(t *testing.T) {
	const path = "systemd/rollcall.env.example"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	keys := 0
	for n, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || k == "" {
			t.Errorf("%s:%d: not KEY=value: %q", path, n+1, line)
			continue
		}
		keys++
		if !strings.HasPrefix(v, "REPLACE_ME") {
			t.Errorf("%s:%d: %s does not look like a placeholder (want a REPLACE_ME value)", path, n+1, k)
		}
	}
	if keys == 0 {
		t.Errorf("%s: no KEY=value lines", path)
	}
}
