package kafkalab

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/yaml"

	"github.com/kafka-lab/kafka-lab/harness/grading"
	"github.com/kafka-lab/kafka-lab/internal/integration"
)

// The Kubernetes recipe is validated offline: kubeconform (served by the Go module proxy)
// needs JSON schemas that only schema sites serve, so each document is decoded strictly into
// the k8s.io/api type of its kind (an unknown or misspelt field, a duplicate key or a wrong
// type is an error, as for the API server's strict field validation), and what a schema
// cannot say is checked here: every volume and claim named exists, the Job is Indexed, and
// its scripts do what docs/grading/large-classes.md says, run with bash against a class on disk.

// manifests are the recipe's Kubernetes objects, decoded strictly, by file.
type manifests struct {
	jobs     map[string]*batchv1.Job
	claims   map[string]*corev1.PersistentVolumeClaim
	policies map[string]*networkingv1.NetworkPolicy
}

func loadManifests(t *testing.T) manifests {
	t.Helper()
	m := manifests{jobs: map[string]*batchv1.Job{}, claims: map[string]*corev1.PersistentVolumeClaim{}, policies: map[string]*networkingv1.NetworkPolicy{}}
	files, err := filepath.Glob("recipes/kubernetes/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in recipes/kubernetes (%v)", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range strings.Split(string(data), "\n---\n") {
			var head struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
			}
			if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
				t.Fatalf("%s document %d: %v", f, i+1, err)
			}
			var obj interface{ GetName() string }
			switch head.APIVersion + " " + head.Kind {
			case "batch/v1 Job":
				obj = &batchv1.Job{}
			case "v1 PersistentVolumeClaim":
				obj = &corev1.PersistentVolumeClaim{}
			case "networking.k8s.io/v1 NetworkPolicy":
				obj = &networkingv1.NetworkPolicy{}
			default:
				t.Fatalf("%s document %d: %s %s: the test knows no such kind", f, i+1, head.APIVersion, head.Kind)
			}
			if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
				t.Errorf("%s document %d (%s): %v", f, i+1, head.Kind, err)
				continue
			}
			if obj.GetName() == "" {
				t.Errorf("%s document %d: no metadata.name", f, i+1)
			}
			switch o := obj.(type) {
			case *batchv1.Job:
				m.jobs[o.Name] = o
			case *corev1.PersistentVolumeClaim:
				m.claims[o.Name] = o
			case *networkingv1.NetworkPolicy:
				m.policies[o.Name] = o
			}
		}
	}
	return m
}

// TestKubernetesManifests: the manifests decode strictly, and what they name exists.
func TestKubernetesManifests(t *testing.T) {
	// The strict decoding does refuse what the API server's strict validation refuses.
	for _, bad := range []string{
		"apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec: {completionsMode: Indexed}",
		"apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec: {completions: many}",
		"apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nmetadata: {name: y}",
	} {
		if err := yaml.UnmarshalStrict([]byte(bad), &batchv1.Job{}); err == nil {
			t.Errorf("strict decoding took %q", bad)
		}
	}
	m := loadManifests(t)
	grade, merge := m.jobs["kafka-lab-grade"], m.jobs["kafka-lab-merge"]
	if grade == nil || merge == nil {
		t.Fatalf("jobs %v: want kafka-lab-grade and kafka-lab-merge", slices.Collect(func(yield func(string) bool) {
			for n := range m.jobs {
				yield(n)
			}
		}))
	}
	if grade.Spec.CompletionMode == nil || *grade.Spec.CompletionMode != batchv1.IndexedCompletion || grade.Spec.Completions == nil {
		t.Error("kafka-lab-grade is not an Indexed Job with completions: a pod would not know its submission")
	}
	for _, j := range m.jobs {
		pod := j.Spec.Template.Spec
		if pod.RestartPolicy != corev1.RestartPolicyNever && pod.RestartPolicy != corev1.RestartPolicyOnFailure {
			t.Errorf("%s: restartPolicy %q, which a Job refuses", j.Name, pod.RestartPolicy)
		}
		volumes := map[string]bool{}
		for _, v := range pod.Volumes {
			volumes[v.Name] = true
			if c := v.PersistentVolumeClaim; c != nil && m.claims[c.ClaimName] == nil {
				t.Errorf("%s: volume %s claims %s, which no manifest makes", j.Name, v.Name, c.ClaimName)
			}
		}
		for _, c := range pod.Containers {
			if c.Image == "" || len(c.Command) == 0 {
				t.Errorf("%s/%s: no image or command", j.Name, c.Name)
			}
			for _, vm := range c.VolumeMounts {
				if !volumes[vm.Name] {
					t.Errorf("%s/%s: mounts %s, which is no volume of the pod", j.Name, c.Name, vm.Name)
				}
			}
		}
	}
	// kafka-lab -dist runs the student's programs under user ids of their own: it must be root.
	if sc := grade.Spec.Template.Spec.Containers[0].SecurityContext; sc == nil || sc.RunAsUser == nil || *sc.RunAsUser != 0 {
		t.Error("kafka-lab-grade does not run as root: kafka-lab -dist would refuse to run the submission")
	}
	// The gradings' pods have no network beyond themselves.
	selected := false
	for _, p := range m.policies {
		match := true
		for k, v := range p.Spec.PodSelector.MatchLabels {
			match = match && grade.Spec.Template.Labels[k] == v
		}
		selected = selected || (match && slices.Contains(p.Spec.PolicyTypes, networkingv1.PolicyTypeEgress) && len(p.Spec.Egress) == 0)
	}
	if !selected {
		t.Error("no NetworkPolicy denies the grading pods' egress")
	}
}

// podScript is a Job's container script and environment, with the volume's paths moved under
// root.
func podScript(t *testing.T, j *batchv1.Job, root string) (*exec.Cmd, map[string]string) {
	t.Helper()
	c := j.Spec.Template.Spec.Containers[0]
	args := append(slices.Clone(c.Command), c.Args...)
	cmd := exec.Command(args[0], args[1:]...)
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = strings.Replace(e.Value, "/kafka-lab", root, 1)
	}
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd, env
}

// kafkaLabStandIn is a kafka-lab for the grading pods' script: it records its arguments and writes a
// record for the student (or fails for one named "crash"), as `kafka-lab grade` does.
const kafkaLabStandIn = `#!/bin/bash
out= submission=
while (($#)); do
  case $1 in -out) out=$2; shift ;; -dist) echo "dist $2" >> "$(dirname "$0")/calls" ;; -*) ;; *) submission=$1 ;; esac
  shift
done
student=$(basename "$submission")
echo "grade $student $out" >> "$(dirname "$0")/calls"
[[ $student == crash ]] && { echo "the cluster did not start" >&2; exit 1; }
mkdir -p "$out"
printf '{"student":"%s","status":"graded","points":22,"max":22,"bonus":2,"bonus_max":5,"seconds":50}' "$student" > "$out/score.json"
`

// TestKubernetesJobScripts runs the grading pods' script for each index of a class of three
// (one whose grading fails) and one index past it, with a stand-in kafka-lab, and then, with
// a kafka-lab built from ./cmd/kafka-lab, the merge pod's script on what they wrote: each pod
// grades its own submission into its folder, and the table has every student.
func TestKubernetesJobScripts(t *testing.T) {
	integration.Have(t, integration.Command("bash", "install bash", true, "bash"))
	m := loadManifests(t)
	root := t.TempDir()
	students := []string{"bob", "alice", "crash"}
	for _, s := range append(students, ".hidden") {
		if err := os.MkdirAll(filepath.Join(root, "class", s), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Entries no pod grades, which the merge lists as not graded: a link to another student's
	// folder, a file.
	if err := os.Symlink(filepath.Join(root, "class", "alice"), filepath.Join(root, "class", "mallory")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "class", "notes.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tools := filepath.Join(root, "tools")
	if err := os.MkdirAll(tools, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tools, "kafka-lab"), []byte(kafkaLabStandIn), 0o755); err != nil {
		t.Fatal(err)
	}
	grade := m.jobs["kafka-lab-grade"]
	for i := range len(students) + 1 {
		cmd, _ := podScript(t, grade, root)
		cmd.Env = append(cmd.Env, fmt.Sprintf("JOB_COMPLETION_INDEX=%d", i))
		out, err := cmd.CombinedOutput()
		if (err != nil) != (i == 2) {
			t.Errorf("index %d: %v\n%s", i, err, out)
		}
	}
	calls, err := os.ReadFile(filepath.Join(tools, "calls"))
	if err != nil {
		t.Fatal(err)
	}
	reports := filepath.Join(root, "reports", "students")
	want := fmt.Sprintf("dist %[1]s/tools/dist\ngrade alice %[2]s/alice\ndist %[1]s/tools/dist\ngrade bob %[2]s/bob\ndist %[1]s/tools/dist\ngrade crash %[2]s/crash\n", root, reports)
	if string(calls) != want {
		t.Errorf("the pods graded:\n%s\nwant each index its own submission, in name order, with the distribution:\n%s", calls, want)
	}

	integration.Require(t) // builds cmd/kafka-lab to run the merge pod's script
	// The real kafka-lab in place of the stand-in.
	kafkaLab, err := os.ReadFile(buildCommand(t, "kafka-lab"))
	if err == nil {
		err = os.WriteFile(filepath.Join(tools, "kafka-lab"), kafkaLab, 0o755)
	}
	if err != nil {
		t.Fatal(err)
	}
	cmd, env := podScript(t, m.jobs["kafka-lab-merge"], root)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	t.Logf("merge pod (%v):\n%s", err, out.String())
	csv, rerr := os.ReadFile(filepath.Join(env["REPORTS"], "class", grading.CSVFile))
	if rerr != nil {
		t.Fatal(rerr)
	}
	for _, line := range []string{`"alice","graded","22","22","2","5",`, `"bob","graded","22","22","2","5",`, `"crash","error",`,
		`".hidden","error","0","0","0","0","0.0","","not graded: hidden`, `"mallory","error","0","0","0","0","0.0","","not graded: a link to `,
		`"notes.txt","error","0","0","0","0","0.0","","not graded: a file`} {
		if !strings.Contains(string(csv), "\n"+line) {
			t.Errorf("grades.csv has no line %q:\n%s", line, csv)
		}
	}
}
