package image

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kafka-lab/kafka-lab/internal/integration"
)

func TestChoose(t *testing.T) {
	debianRoot := Host{OS: "linux", Root: true, Debian: true}
	for _, c := range []struct {
		name string
		h    Host
		want Path
		why  string
	}{
		{"Debian as root with the tools", debianRoot, Offline, "no image registry"},
		{"macOS", Host{OS: "darwin"}, Dockerfile, "darwin, not Linux"},
		{"Windows", Host{OS: "windows", Root: true}, Dockerfile, "windows, not Linux"},
		{"another Linux", Host{OS: "linux", Root: true}, Dockerfile, "not Debian"},
		{"not root", Host{OS: "linux", Debian: true}, Dockerfile, "not root"},
		{"no mmdebstrap", Host{OS: "linux", Root: true, Debian: true, Missing: []string{"mmdebstrap", "mvn"}}, Dockerfile, "mmdebstrap, mvn"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, why := Choose(c.h)
			if got != c.want || !strings.Contains(why, c.why) {
				t.Errorf("Choose(%+v) = %s, %q; want %s, saying %q", c.h, got, why, c.want, c.why)
			}
		})
	}
}

// checkoutRecipe lists the files of this folder that build.sh hashes as the recipe (its
// recipe_files), and whether ca/ holds certificates of this machine's network.
func checkoutRecipe(t *testing.T) (files []string, certs bool) {
	t.Helper()
	err := fs.WalkDir(os.DirFS("."), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := d.Name()
		switch {
		case strings.HasSuffix(name, ".go"), strings.HasPrefix(name, "."), strings.HasPrefix(p, "dist/"):
		case strings.HasPrefix(p, "ca/") && !strings.HasSuffix(name, ".md"):
			certs = true
		case strings.HasSuffix(name, ".md") && p != "ca/README.md":
		default:
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	return files, certs
}

// TestRecipeIsTheFolder: the program carries every file of the recipe, so that what it builds
// is what `make image` builds.
func TestRecipeIsTheFolder(t *testing.T) {
	want, _ := checkoutRecipe(t)
	got, err := RecipeFiles()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range want {
		if !slices.Contains(got, f) {
			t.Errorf("%s is in harness/image but not embedded: add a pattern that matches it to recipe.go's //go:embed line", f)
		}
	}
	for _, f := range []string{"Dockerfile", "build.sh", "dist.sh", "cds.sh", "stage.sh", "debian.sh", "pom.xml", "docker/run", "bin/kafka-run-class.sh", "config/3/server.properties", "config/4/server.properties", "ca/README.md"} {
		if !slices.Contains(got, f) {
			t.Errorf("the embedded recipe has no %s (it has %v)", f, got)
		}
	}
	for _, f := range got {
		if strings.HasSuffix(f, ".go") {
			t.Errorf("the embedded recipe holds Go source %s", f)
		}
	}
}

// TestWriteRecipe: the files written are this folder's, scripts executable as they are here.
func TestWriteRecipe(t *testing.T) {
	dir := t.TempDir()
	if err := WriteRecipe(dir); err != nil {
		t.Fatal(err)
	}
	files, err := RecipeFiles()
	if err != nil {
		t.Fatal(err)
	}
	scripts := 0
	for _, f := range files {
		want, err := os.Stat(filepath.FromSlash(f))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			t.Fatalf("%s not written: %v", f, err)
		}
		if wantX, gotX := want.Mode()&0o100 != 0, got.Mode()&0o100 != 0; wantX != gotX {
			t.Errorf("%s: executable %v, want %v as in harness/image (mode %v)", f, gotX, wantX, got.Mode())
		}
		if got.Mode()&0o100 != 0 {
			scripts++
		}
		a, _ := os.ReadFile(filepath.FromSlash(f))
		b, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f)))
		if !bytes.Equal(a, b) {
			t.Errorf("%s: written content differs from harness/image's", f)
		}
	}
	if scripts < 6 {
		t.Errorf("only %d executable files written: the scripts' bits were not restored", scripts)
	}
	// Written again over itself (a reused folder): still the same.
	if err := WriteRecipe(dir); err != nil {
		t.Fatal(err)
	}
}

// TestOfflineInputsAreMakeImages: the program's offline build hashes its recipe as `make image`
// hashes this folder, so each sees the other's image as up to date.
func TestOfflineInputsAreMakeImages(t *testing.T) {
	for _, tool := range []string{"bash", "sha256sum", "xargs", "find"} {
		integration.Have(t, integration.Command(tool+", which build.sh --hash runs", "install it", true, tool))
	}
	if _, certs := checkoutRecipe(t); certs {
		integration.Lacks(t, integration.Need{What: "harness/image/ca without this machine's certificates"}, "it holds some: its hash differs from the program's")
	}
	ctx := context.Background()
	dir := t.TempDir()
	if err := WriteRecipe(dir); err != nil {
		t.Fatal(err)
	}
	o := Options{}.withDefaults()
	fromProgram, err := inputs(ctx, dir, Offline, o)
	if err != nil {
		t.Fatal(err)
	}
	here, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	fromCheckout, err := inputs(ctx, here, Offline, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(fromProgram) != 16 || fromProgram != fromCheckout {
		t.Errorf("offline inputs: the program's recipe %q, harness/image %q: want the same 16 hex digits", fromProgram, fromCheckout)
	}
}

func TestDockerfileInputs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := WriteRecipe(dir); err != nil {
		t.Fatal(err)
	}
	hash := func(o Options) string {
		t.Helper()
		h, err := inputs(ctx, dir, Dockerfile, o.withDefaults())
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	plain := hash(Options{})
	if len(plain) != 16 || plain != hash(Options{}) {
		t.Fatalf("inputs %q: want 16 hex digits, the same each time", plain)
	}
	if hash(Options{Base: "kafka-lab/debian:bookworm-slim"}) == plain {
		t.Error("another base gives the same inputs")
	}
	if hash(Options{KafkaVersion: "4.1.1"}) == plain {
		t.Error("another Kafka gives the same inputs")
	}
	java25 := Options{Ref: "kafka-lab/kafka:3.9.1-jdk25"}
	if got := java25.withDefaults().Base; got != DefaultJava25Base {
		t.Errorf("an image of Java 25 builds from %q, want %q (bookworm has no Java 25)", got, DefaultJava25Base)
	}
	if hash(Options{Ref: "kafka-lab/kafka:3.9.1-jdk25", Base: DefaultBase}) == plain {
		t.Error("Java 25 gives the inputs of Java 17")
	}
	if hash(Options{Ref: "my/kafka:3.9.1"}) != plain {
		t.Error("another name of a Java 17 image changes its inputs")
	}
	ca := filepath.Join(t.TempDir(), "proxy.pem")
	if err := os.WriteFile(ca, []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := addCAs(dir, []string{ca}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "ca", "extra-0-proxy.crt")); err != nil {
		t.Errorf("the extra CA is not in ca/ as a .crt: %v", err)
	}
	if hash(Options{}) == plain {
		t.Error("an extra CA gives the same inputs")
	}
	if err := addCAs(dir, []string{filepath.Join(dir, "Dockerfile")}); err == nil || !strings.Contains(err.Error(), "not a PEM certificate") {
		t.Errorf("a file that is no certificate: got %v, want an error saying so", err)
	}
}

func TestJavaOf(t *testing.T) {
	for ref, want := range map[string]string{
		"kafka-lab/kafka:3.9.1":         "17",
		"kafka-lab/kafka:3.9.1-jdk25":   "25",
		"kafka-lab/kafka:4.4.0-jdk25":   "25",
		"my/kafka-jdk25-fork:3.9.1":     "17",
		"kafka-lab/kafka:3.9.1-jdk25.1": "17",
	} {
		if got := JavaOf(ref); got != want {
			t.Errorf("JavaOf(%q) = %s, want %s", ref, got, want)
		}
	}
	env := buildEnv(Options{Ref: "kafka-lab/kafka:3.9.1-jdk25", KafkaVersion: "3.9.1"})
	if !slices.Contains(env, "KAFKA_LAB_JAVA=25") || !slices.Contains(env, "IMAGE=kafka-lab/kafka:3.9.1-jdk25") {
		t.Errorf("build.sh's environment %q: want the image's name and its Java", env)
	}
}

func TestVersionNeedsConfiguration(t *testing.T) {
	for _, v := range []string{"3.9.1", "4.1.1", "4.4.0"} {
		if err := checkVersion(v); err != nil {
			t.Errorf("checkVersion(%q): %v", v, err)
		}
	}
	for _, v := range []string{"2.8.0", "", "x"} {
		if err := checkVersion(v); err == nil {
			t.Errorf("checkVersion(%q): no error, want one naming the missing configuration", v)
		}
	}
	_, err := Ensure(context.Background(), Options{KafkaVersion: "2.8.0"})
	if err == nil || !strings.Contains(err.Error(), `major version "2"`) {
		t.Errorf("Ensure of Kafka 2.8.0: %v, want an error naming its major version", err)
	}
}
