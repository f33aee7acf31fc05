package kubernetes_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/utils/ptr"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/alexa-harness/harness/internal/loadgen"
)

// Names the manifests and the README share.
const (
	loadJobName  = "harness-load"
	mergeJobName = "harness-merge"
	indexVar     = "JOB_COMPLETION_INDEX"
	indexAnno    = "metadata.annotations['batch.kubernetes.io/job-completion-index']"
	placeholder  = "REPLACE-ME"
)

// newDecoder returns the API server's strict YAML decoder for the kinds these
// manifests may use (core/v1 and batch/v1): unknown or duplicated fields,
// fields spelt in the wrong case and unregistered kinds are errors. It is
// apimachinery's own serializer (sigs.k8s.io/yaml to JSON, then
// sigs.k8s.io/json's case-sensitive strict decoding into the k8s.io/api types),
// chosen over encoding/json's DisallowUnknownFields, which matches field
// names case-insensitively and would accept "Parallelism:".
func newDecoder(t testing.TB) runtime.Decoder {
	t.Helper()
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, batchv1.AddToScheme} {
		if err := add(scheme); err != nil {
			t.Fatalf("build scheme: %v", err)
		}
	}
	return kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme, scheme,
		kjson.SerializerOptions{Yaml: true, Strict: true})
}

// decodeAll decodes every document of a (multi-document) YAML file. Documents
// holding only comments are skipped.
func decodeAll(dec runtime.Decoder, name string, data []byte) ([]runtime.Object, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var objs []runtime.Object
	for i := 1; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", name, i, err)
		}
		j, err := sigsyaml.YAMLToJSONStrict(doc)
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", name, i, err)
		}
		if s := string(bytes.TrimSpace(j)); s == "null" || s == "" {
			continue
		}
		obj, _, err := dec.Decode(doc, nil, nil)
		if err != nil { // strict errors come with a decoded object: still a failure
			return nil, fmt.Errorf("%s: document %d: %w", name, i, err)
		}
		objs = append(objs, obj)
	}
}

// manifests is every object of the folder, by kind and name.
type manifests struct {
	configMaps map[string]*corev1.ConfigMap
	secrets    map[string]*corev1.Secret
	pvcs       map[string]*corev1.PersistentVolumeClaim
	pods       map[string]*corev1.Pod
	jobs       map[string]*batchv1.Job
}

func (m *manifests) add(file string, obj runtime.Object) error {
	var err error
	dup := func(kind, n string, exists bool) error {
		if n == "" {
			return fmt.Errorf("%s: %s without metadata.name", file, kind)
		}
		if exists {
			return fmt.Errorf("%s: %s %q defined twice", file, kind, n)
		}
		return nil
	}
	switch o := obj.(type) {
	case *corev1.ConfigMap:
		_, ok := m.configMaps[o.Name]
		err, m.configMaps[o.Name] = dup("ConfigMap", o.Name, ok), o
	case *corev1.Secret:
		_, ok := m.secrets[o.Name]
		err, m.secrets[o.Name] = dup("Secret", o.Name, ok), o
	case *corev1.PersistentVolumeClaim:
		_, ok := m.pvcs[o.Name]
		err, m.pvcs[o.Name] = dup("PersistentVolumeClaim", o.Name, ok), o
	case *corev1.Pod:
		_, ok := m.pods[o.Name]
		err, m.pods[o.Name] = dup("Pod", o.Name, ok), o
	case *batchv1.Job:
		_, ok := m.jobs[o.Name]
		err, m.jobs[o.Name] = dup("Job", o.Name, ok), o
	default:
		err = fmt.Errorf("%s: unexpected kind %s; the deployment uses ConfigMap, Secret, PersistentVolumeClaim, Pod and Job",
			file, obj.GetObjectKind().GroupVersionKind())
	}
	return err
}

func newManifests() *manifests {
	return &manifests{
		configMaps: map[string]*corev1.ConfigMap{}, secrets: map[string]*corev1.Secret{},
		pvcs: map[string]*corev1.PersistentVolumeClaim{}, pods: map[string]*corev1.Pod{}, jobs: map[string]*batchv1.Job{},
	}
}

// loadManifests decodes every *.yaml / *.yml file under this folder.
func loadManifests(t *testing.T) *manifests {
	t.Helper()
	dec := newDecoder(t)
	m := newManifests()
	files := 0
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ext := filepath.Ext(p); ext != ".yaml" && ext != ".yml" {
			return nil
		}
		files++
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		objs, err := decodeAll(dec, p, data)
		if err != nil {
			return err
		}
		if len(objs) == 0 {
			return fmt.Errorf("%s: no Kubernetes object in the file", p)
		}
		for _, o := range objs {
			if err := m.add(p, o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatal("no manifest (*.yaml) found under deploy/kubernetes")
	}
	return m
}

// flagValue returns the value of --name in args ("--name v" or "--name=v").
func flagValue(args []string, name string) (string, bool) {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1], true
		}
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// mountFor returns the volume mount whose path holds file.
func mountFor(c corev1.Container, file string) (corev1.VolumeMount, bool) {
	for _, vm := range c.VolumeMounts {
		if strings.HasPrefix(file, strings.TrimSuffix(vm.MountPath, "/")+"/") {
			return vm, true
		}
	}
	return corev1.VolumeMount{}, false
}

func volume(spec corev1.PodSpec, name string) (corev1.Volume, bool) {
	for _, v := range spec.Volumes {
		if v.Name == name {
			return v, true
		}
	}
	return corev1.Volume{}, false
}

func harnessContainer(spec corev1.PodSpec) (corev1.Container, error) {
	if len(spec.Containers) != 1 {
		return corev1.Container{}, fmt.Errorf("want exactly one container, got %d", len(spec.Containers))
	}
	return spec.Containers[0], nil
}

// claimOf returns the PVC that the volume holding file (a path in the
// container) is, checking it exists and is ReadWriteMany.
func claimOf(m *manifests, spec corev1.PodSpec, c corev1.Container, flag, file string) (string, error) {
	vm, ok := mountFor(c, file)
	if !ok {
		return "", fmt.Errorf("%s %s is on no mounted volume (the root filesystem is read-only)", flag, file)
	}
	v, _ := volume(spec, vm.Name)
	if v.PersistentVolumeClaim == nil {
		return "", fmt.Errorf("%s %s: volume %q is not a PersistentVolumeClaim", flag, file, vm.Name)
	}
	if vm.ReadOnly {
		return "", fmt.Errorf("%s %s: volume %q is mounted read-only", flag, file, vm.Name)
	}
	pvc, ok := m.pvcs[v.PersistentVolumeClaim.ClaimName]
	if !ok {
		return "", fmt.Errorf("%s %s: PersistentVolumeClaim %q is not in deploy/kubernetes", flag, file, v.PersistentVolumeClaim.ClaimName)
	}
	if !slices.Contains(pvc.Spec.AccessModes, corev1.ReadWriteMany) {
		return "", fmt.Errorf("PersistentVolumeClaim %q: accessModes %v lack ReadWriteMany (shards on different nodes share it)", pvc.Name, pvc.Spec.AccessModes)
	}
	return pvc.Name, nil
}

var envRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// checkLoadJob checks the Indexed Job that runs the shards and returns its N
// and the --out pattern (with $(JOB_COMPLETION_INDEX) in it).
func checkLoadJob(m *manifests, job *batchv1.Job) (n int, outPattern string, errs []error) {
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf("job/"+job.Name+": "+format, a...)) }
	s := job.Spec
	if s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion {
		bad("spec.completionMode must be Indexed (the shard comes from %s)", indexVar)
	}
	if s.Completions == nil || s.Parallelism == nil {
		bad("spec.completions and spec.parallelism must both be set")
		return 0, "", errs
	}
	n = int(*s.Completions)
	if n < 1 {
		bad("spec.completions must be >= 1 (got %d)", n)
	}
	if int(*s.Parallelism) != n {
		bad("spec.parallelism (%d) must equal spec.completions (%d): every shard runs at once from the same --start-at", *s.Parallelism, n)
	}
	if s.BackoffLimitPerIndex == nil || *s.BackoffLimitPerIndex != 0 {
		bad("spec.backoffLimitPerIndex must be 0: a retried shard would start late and exceed the total rate cap")
	}
	c, err := harnessContainer(s.Template.Spec)
	if err != nil {
		bad("%v", err)
		return n, "", errs
	}
	args := c.Args
	if len(args) == 0 || args[0] != "load" {
		bad("container args must start with \"load\" (got %q)", args)
	}
	if shard, ok := flagValue(args, "--shard"); !ok {
		bad("args lack --shard")
	} else if want := fmt.Sprintf("$(%s)/%d", indexVar, n); shard != want {
		bad("--shard %q must be %q (0-based index I of N = completions)", shard, want)
	} else {
		// What each pod gets once Kubernetes fills in its index: the
		// harness's own check (loadgen.ParseShard) must accept it.
		for i := range n {
			if _, err := loadgen.ParseShard(strings.Replace(shard, "$("+indexVar+")", strconv.Itoa(i), 1)); err != nil {
				bad("--shard of pod %d: %v", i, err)
			}
		}
	}
	if v, ok := flagValue(args, "--start-at"); !ok || v == "" {
		bad("args lack --start-at (every shard's schedule starts at the same time)")
	}
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	for _, a := range args {
		for _, ref := range envRef.FindAllStringSubmatch(a, -1) {
			if _, ok := env[ref[1]]; !ok {
				bad("arg %q uses $(%s), which is not in the container's env", a, ref[1])
			}
		}
	}
	if e, ok := env[indexVar]; ok && (e.ValueFrom == nil || e.ValueFrom.FieldRef == nil || e.ValueFrom.FieldRef.FieldPath != indexAnno) {
		bad("env %s must come from the field %s", indexVar, indexAnno)
	}

	// The profile: a key of a ConfigMap of this folder, a valid env profile.
	prof, ok := flagValue(args, "--profile")
	if !ok {
		bad("args lack --profile")
	} else if errs2 := checkProfileMount(m, s.Template.Spec, c, prof, args); len(errs2) > 0 {
		for _, e := range errs2 {
			bad("%v", e)
		}
	}

	// The results: one folder per shard on the shared ReadWriteMany claim.
	out, ok := flagValue(args, "--out")
	switch {
	case !ok:
		bad("args lack --out")
	case !strings.Contains(out, "$("+indexVar+")"):
		bad("--out %q must contain $(%s): one folder per shard", out, indexVar)
	default:
		if _, err := claimOf(m, s.Template.Spec, c, "--out", out); err != nil {
			bad("%v", err)
		}
	}

	// The target: HARNESS_* from a Secret, only a template of which is here.
	for _, ef := range c.EnvFrom {
		if ef.SecretRef == nil {
			continue
		}
		sec, ok := m.secrets[ef.SecretRef.Name]
		if !ok {
			bad("envFrom secretRef %q: no Secret template of that name in deploy/kubernetes", ef.SecretRef.Name)
			continue
		}
		if ptr.Deref(ef.SecretRef.Optional, false) {
			bad("envFrom secretRef %q must not be optional: without it the target defaults to the real endpoints", ef.SecretRef.Name)
		}
		for k, v := range sec.StringData {
			if !strings.HasPrefix(k, "HARNESS_") {
				bad("Secret %q: key %q is not a HARNESS_* variable", sec.Name, k)
			}
			if !strings.Contains(v, placeholder) {
				bad("Secret %q: key %q holds a value that is not a %s placeholder: no real secret belongs in the repository", sec.Name, k, placeholder)
			}
		}
		if len(sec.Data) > 0 {
			bad("Secret %q: use stringData placeholders, not data", sec.Name)
		}
	}
	return n, out, errs
}

// checkProfileMount checks that --profile is a key of a ConfigMap of this
// folder, mounted read-only, and that the key is a valid harness profile.
func checkProfileMount(m *manifests, spec corev1.PodSpec, c corev1.Container, prof string, args []string) []error {
	vm, ok := mountFor(c, prof)
	if !ok {
		return []error{fmt.Errorf("--profile %s is on no mounted volume", prof)}
	}
	v, _ := volume(spec, vm.Name)
	if v.ConfigMap == nil {
		return []error{fmt.Errorf("--profile %s: volume %q is not a ConfigMap", prof, vm.Name)}
	}
	cm, ok := m.configMaps[v.ConfigMap.Name]
	if !ok {
		return []error{fmt.Errorf("--profile %s: ConfigMap %q is not in deploy/kubernetes", prof, v.ConfigMap.Name)}
	}
	rel := strings.TrimPrefix(prof, strings.TrimSuffix(vm.MountPath, "/")+"/")
	key := rel
	if len(v.ConfigMap.Items) > 0 {
		key = ""
		for _, it := range v.ConfigMap.Items {
			if it.Path == rel {
				key = it.Key
			}
		}
	}
	data, ok := cm.Data[key]
	if !ok || key == "" {
		return []error{fmt.Errorf("--profile %s: ConfigMap %q has no key for %q", prof, cm.Name, rel)}
	}
	var errs []error
	if !vm.ReadOnly {
		errs = append(errs, fmt.Errorf("--profile %s: mount %q must be readOnly", prof, vm.Name))
	}
	p, err := loadgen.ParseProfile("configmap/"+cm.Name+"/"+key, []byte(data))
	if err != nil {
		return append(errs, fmt.Errorf("the profile is not a valid harness profile: %w", err))
	}
	if p.Target != loadgen.TargetEnv {
		errs = append(errs, fmt.Errorf("profile target %q: a cluster run targets the HARNESS_* environment (target: env)", p.Target))
	}
	maxRate, ok := flagValue(args, "--max-rate")
	if !slices.Contains(args, "--allow-real") || !ok {
		errs = append(errs, fmt.Errorf("args need --allow-real and --max-rate (the target is not on loopback)"))
	} else if cap, err := strconv.ParseFloat(maxRate, 64); err != nil || !(cap > 0) {
		errs = append(errs, fmt.Errorf("--max-rate %q must be a number > 0", maxRate))
	} else if p.Pacer.Type == "constant" && p.Pacer.Rate > cap {
		errs = append(errs, fmt.Errorf("profile rate %g exceeds --max-rate %g (the cap on the total over all shards)", p.Pacer.Rate, cap))
	}
	return errs
}

// checkMergeJob checks that the merge Job reads exactly the N shard folders
// of the load Job from the same claim and writes elsewhere on it.
func checkMergeJob(m *manifests, job *batchv1.Job, load *batchv1.Job, n int, outPattern string) (errs []error) {
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf("job/"+job.Name+": "+format, a...)) }
	c, err := harnessContainer(job.Spec.Template.Spec)
	if err != nil {
		bad("%v", err)
		return errs
	}
	if job.Spec.CompletionMode != nil && *job.Spec.CompletionMode == batchv1.IndexedCompletion {
		bad("the merge Job runs once; it must not be Indexed")
	}
	if len(c.Args) == 0 || c.Args[0] != "merge" {
		bad("container args must start with \"merge\" (got %q)", c.Args)
		return errs
	}
	var dirs []string
	for _, a := range c.Args[1:] {
		if strings.HasPrefix(a, "--") {
			break
		}
		dirs = append(dirs, a)
	}
	var want []string
	for i := range n {
		want = append(want, strings.ReplaceAll(outPattern, "$("+indexVar+")", fmt.Sprint(i)))
	}
	if !slices.Equal(dirs, want) {
		bad("merges %q; want the %d shard folders %q of job/%s", dirs, n, want, load.Name)
	}
	out, ok := flagValue(c.Args, "--out")
	if !ok {
		bad("args lack --out")
		return errs
	}
	if slices.Contains(want, out) {
		bad("--out %s overwrites a shard folder", out)
	}
	mergeClaim, err := claimOf(m, job.Spec.Template.Spec, c, "--out", out)
	if err != nil {
		bad("%v", err)
	}
	lc, _ := harnessContainer(load.Spec.Template.Spec)
	loadClaim, _ := claimOf(m, load.Spec.Template.Spec, lc, "--out", outPattern)
	if mergeClaim != loadClaim {
		bad("reads claim %q but the shards write to claim %q", mergeClaim, loadClaim)
	}
	for _, d := range dirs {
		if vm, ok := mountFor(c, d); !ok || vm.MountPath != mustMount(lc, outPattern).MountPath {
			bad("shard folder %s is not under the results mount", d)
		}
	}
	return errs
}

func mustMount(c corev1.Container, file string) corev1.VolumeMount {
	vm, _ := mountFor(c, file)
	return vm
}

// checkJob checks what every Job needs: a finite life and bounded retries.
func checkJob(job *batchv1.Job) (errs []error) {
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf("job/"+job.Name+": "+format, a...)) }
	if job.Spec.TTLSecondsAfterFinished == nil || *job.Spec.TTLSecondsAfterFinished <= 0 {
		bad("spec.ttlSecondsAfterFinished must be set (> 0)")
	}
	if job.Spec.BackoffLimit == nil && job.Spec.BackoffLimitPerIndex == nil {
		bad("spec.backoffLimit or spec.backoffLimitPerIndex must be set")
	}
	if job.Spec.ActiveDeadlineSeconds == nil {
		bad("spec.activeDeadlineSeconds must bound the Job")
	}
	if job.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
		bad("restartPolicy must be Never (got %q): a restarted container would resend load", job.Spec.Template.Spec.RestartPolicy)
	}
	return append(errs, checkPodSecurity("job/"+job.Name, job.Spec.Template.Spec)...)
}

// checkPodSecurity checks a pod spec: non-root, read-only root filesystem,
// no capabilities, no privilege escalation, requests and limits.
func checkPodSecurity(what string, spec corev1.PodSpec) (errs []error) {
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(what+": "+format, a...)) }
	if ptr.Deref(spec.AutomountServiceAccountToken, true) {
		bad("automountServiceAccountToken must be false (the harness never calls the Kubernetes API)")
	}
	psc := spec.SecurityContext
	podNonRoot := psc != nil && ptr.Deref(psc.RunAsNonRoot, false)
	if !podNonRoot {
		bad("pod securityContext.runAsNonRoot must be true")
	}
	if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		bad("pod securityContext.seccompProfile.type must be RuntimeDefault")
	}
	if spec.HostNetwork || spec.HostPID || spec.HostIPC {
		bad("must not share the host's network, PID or IPC namespace")
	}
	for _, c := range slices.Concat(spec.InitContainers, spec.Containers) {
		cb := func(format string, a ...any) { bad("container "+c.Name+": "+format, a...) }
		sc := c.SecurityContext
		if sc == nil {
			cb("securityContext missing")
			continue
		}
		if !ptr.Deref(sc.RunAsNonRoot, podNonRoot) {
			cb("runAsNonRoot must be true")
		}
		if !ptr.Deref(sc.ReadOnlyRootFilesystem, false) {
			cb("readOnlyRootFilesystem must be true")
		}
		if ptr.Deref(sc.AllowPrivilegeEscalation, true) {
			cb("allowPrivilegeEscalation must be false")
		}
		if ptr.Deref(sc.Privileged, false) {
			cb("privileged must not be true")
		}
		if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, corev1.Capability("ALL")) {
			cb("capabilities.drop must contain ALL")
		} else if len(sc.Capabilities.Add) > 0 {
			cb("capabilities.add must be empty (got %v)", sc.Capabilities.Add)
		}
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			req, okR := c.Resources.Requests[r]
			lim, okL := c.Resources.Limits[r]
			switch {
			case !okR || !okL || req.IsZero() || lim.IsZero():
				cb("resources.requests and resources.limits must both set %s", r)
			case req.Cmp(lim) > 0:
				cb("resources.requests.%s %s exceeds the limit %s", r, req.String(), lim.String())
			}
		}
	}
	return errs
}

// checkAll runs every check over the folder's objects.
func checkAll(m *manifests) (errs []error) {
	load, merge := m.jobs[loadJobName], m.jobs[mergeJobName]
	if load == nil || merge == nil {
		return []error{fmt.Errorf("want Jobs %q and %q, have %d Jobs", loadJobName, mergeJobName, len(m.jobs))}
	}
	for _, name := range slices.Sorted(maps.Keys(m.jobs)) {
		errs = append(errs, checkJob(m.jobs[name])...)
	}
	for _, name := range slices.Sorted(maps.Keys(m.pods)) {
		p := m.pods[name]
		errs = append(errs, checkPodSecurity("pod/"+name, p.Spec)...)
		if p.Spec.ActiveDeadlineSeconds == nil {
			errs = append(errs, fmt.Errorf("pod/%s: spec.activeDeadlineSeconds must bound the helper pod", name))
		}
	}
	n, out, errs2 := checkLoadJob(m, load)
	errs = append(errs, errs2...)
	if out != "" {
		errs = append(errs, checkMergeJob(m, merge, load, n, out)...)
	}
	return errs
}

// TestManifests decodes every manifest strictly and checks that the Jobs,
// volumes, ConfigMap, claim and security settings agree.
func TestManifests(t *testing.T) {
	m := loadManifests(t)
	for _, err := range checkAll(m) {
		t.Error(err)
	}
	load := m.jobs[loadJobName]
	if load == nil {
		t.Fatalf("job/%s missing", loadJobName)
	}
	t.Logf("job/%s: %d shards, args %q", load.Name, *load.Spec.Completions, load.Spec.Template.Spec.Containers[0].Args)
}

// TestStrictDecode: the decoder refuses what the API server would refuse, so
// a passing TestManifests means something.
func TestStrictDecode(t *testing.T) {
	const job = `apiVersion: batch/v1
kind: Job
metadata:
  name: x
spec:
  completionMode: Indexed
  %s: 2
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: c
          image: i
          %s: IfNotPresent
`
	cases := []struct {
		name, yaml, wantErr string
		wantObjs            int
	}{
		{"valid", fmt.Sprintf(job, "completions", "imagePullPolicy"), "", 1},
		{"valid multi-document", "# comment only\n---\n" + fmt.Sprintf(job, "completions", "imagePullPolicy") + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", "", 2},
		{"misspelt Job field", fmt.Sprintf(job, "completion", "imagePullPolicy"), `unknown field "spec.completion"`, 0},
		{"misspelt container field", fmt.Sprintf(job, "completions", "imagePullPolicyy"), `unknown field "spec.template.spec.containers[0].imagePullPolicyy"`, 0},
		{"wrong case", fmt.Sprintf(job, "Completions", "imagePullPolicy"), `unknown field "spec.Completions"`, 0},
		{"duplicate field", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: x}\ndata: {b: y}\n", `key "data" already set`, 0},
		{"unknown kind", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n", `no kind "Deployment" is registered`, 0},
		{"unknown core kind", "apiVersion: v1\nkind: Podd\nmetadata: {name: d}\n", `no kind "Podd" is registered`, 0},
		{"missing kind", "apiVersion: v1\nmetadata: {name: d}\n", "'Kind' is missing", 0},
		{"wrong type", "apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec: {parallelism: four}\n", "cannot unmarshal", 0},
	}
	dec := newDecoder(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := decodeAll(dec, "inline.yaml", []byte(tc.yaml))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("valid manifest refused: %v", err)
			case tc.wantErr == "" && len(objs) != tc.wantObjs:
				t.Fatalf("decoded %d objects; want %d", len(objs), tc.wantObjs)
			case tc.wantErr != "" && err == nil:
				t.Fatalf("accepted; want an error containing %q", tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Fatalf("error %q; want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

// TestUnexpectedKind: a kind the scheme knows but the deployment does not use
// (a Service), or a second object of one name, is refused.
func TestUnexpectedKind(t *testing.T) {
	cases := []struct{ name, yaml, wantErr string }{
		{"Service", "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n", "unexpected kind /v1, Kind=Service"},
		{"same Job twice", "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\n---\napiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\n", `Job "j" defined twice`},
		{"no name", "apiVersion: v1\nkind: ConfigMap\nmetadata: {labels: {a: b}}\n", "ConfigMap without metadata.name"},
	}
	dec := newDecoder(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := decodeAll(dec, "inline.yaml", []byte(tc.yaml))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			m := newManifests()
			for _, o := range objs {
				if err = m.add("inline.yaml", o); err != nil {
					break
				}
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v; want one containing %q", err, tc.wantErr)
			}
		})
	}
}

// TestChecksCatch: each check fails on a manifest broken in its way, so a
// passing TestManifests means the real manifests agree.
func TestChecksCatch(t *testing.T) {
	cases := []struct {
		name    string
		break_  func(m *manifests)
		wantErr string
	}{
		{"parallelism != completions", func(m *manifests) {
			m.jobs[loadJobName].Spec.Parallelism = ptr.To(*m.jobs[loadJobName].Spec.Completions - 1)
		},
			"must equal spec.completions"},
		{"completions without the shard flag", func(m *manifests) {
			m.jobs[loadJobName].Spec.Completions = ptr.To(*m.jobs[loadJobName].Spec.Completions + 1)
		},
			"--shard"},
		{"not Indexed", func(m *manifests) { m.jobs[loadJobName].Spec.CompletionMode = ptr.To(batchv1.NonIndexedCompletion) },
			"completionMode must be Indexed"},
		{"shard flag 1-based", func(m *manifests) {
			c := &m.jobs[loadJobName].Spec.Template.Spec.Containers[0]
			for i, a := range c.Args {
				if strings.HasPrefix(a, "$("+indexVar+")/") {
					c.Args[i] = "$(" + indexVar + "+1)/" + strings.Split(a, "/")[1]
				}
			}
		}, "--shard"},
		{"retried shard", func(m *manifests) { m.jobs[loadJobName].Spec.BackoffLimitPerIndex = ptr.To[int32](2) }, "backoffLimitPerIndex"},
		{"missing ConfigMap", func(m *manifests) { delete(m.configMaps, "harness-profile") }, "ConfigMap \"harness-profile\" is not in"},
		{"invalid profile", func(m *manifests) { m.configMaps["harness-profile"].Data["profile.yaml"] += "\nbogusField: 1\n" }, "not a valid harness profile"},
		{"cap below the profile's rate", func(m *manifests) {
			c := &m.jobs[loadJobName].Spec.Template.Spec.Containers[0]
			i := slices.Index(c.Args, "--max-rate")
			c.Args[i+1] = "1"
		}, "exceeds --max-rate"},
		{"mock profile", func(m *manifests) {
			d := m.configMaps["harness-profile"].Data
			d["profile.yaml"] = strings.Replace(d["profile.yaml"], "target: env", "target: mock", 1)
		}, "target: env"},
		{"missing claim", func(m *manifests) { delete(m.pvcs, "harness-results") }, "PersistentVolumeClaim \"harness-results\" is not in"},
		{"claim not RWX", func(m *manifests) {
			m.pvcs["harness-results"].Spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
		}, "ReadWriteMany"},
		{"writable root", func(m *manifests) {
			m.jobs[loadJobName].Spec.Template.Spec.Containers[0].SecurityContext.ReadOnlyRootFilesystem = ptr.To(false)
		}, "readOnlyRootFilesystem"},
		{"capabilities kept", func(m *manifests) {
			m.jobs[mergeJobName].Spec.Template.Spec.Containers[0].SecurityContext.Capabilities.Drop = nil
		}, "drop must contain ALL"},
		{"privilege escalation", func(m *manifests) {
			m.pods["harness-results"].Spec.Containers[0].SecurityContext.AllowPrivilegeEscalation = nil
		}, "allowPrivilegeEscalation"},
		{"root", func(m *manifests) { m.jobs[loadJobName].Spec.Template.Spec.SecurityContext.RunAsNonRoot = nil }, "runAsNonRoot"},
		{"no memory limit", func(m *manifests) {
			delete(m.jobs[loadJobName].Spec.Template.Spec.Containers[0].Resources.Limits, corev1.ResourceMemory)
		}, "limits must both set memory"},
		{"request above limit", func(m *manifests) {
			m.jobs[mergeJobName].Spec.Template.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU] = resource.MustParse("64")
		}, "exceeds the limit"},
		{"no TTL", func(m *manifests) { m.jobs[mergeJobName].Spec.TTLSecondsAfterFinished = nil }, "ttlSecondsAfterFinished"},
		{"merge misses a shard", func(m *manifests) {
			c := &m.jobs[mergeJobName].Spec.Template.Spec.Containers[0]
			c.Args = slices.Delete(c.Args, 1, 2)
		}, "shard folders"},
		{"real secret committed", func(m *manifests) {
			for _, s := range m.secrets {
				for k := range s.StringData {
					s.StringData[k] = "Atzr|not-a-placeholder"
				}
			}
		}, "no real secret"},
		{"undeclared env in args", func(m *manifests) {
			c := &m.jobs[loadJobName].Spec.Template.Spec.Containers[0]
			c.Env = slices.DeleteFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "START_AT" })
		}, "$(START_AT)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := loadManifests(t)
			tc.break_(m)
			errs := checkAll(m)
			for _, err := range errs {
				if strings.Contains(err.Error(), tc.wantErr) {
					return
				}
			}
			t.Fatalf("no error containing %q; got %v", tc.wantErr, errs)
		})
	}
}
