package podspec

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func TestImageTag(t *testing.T) {
	for image, want := range map[string]string{
		"busybox":                       "latest",
		"busybox:latest":                "latest",
		"busybox:1.36":                  "1.36",
		"registry:5000/busybox":         "latest",
		"registry:5000/busybox:1":       "1",
		"busybox@sha256:abc":            "",
		"busybox:1@sha256:abc":          "1",
		"registry.k8s.io/pause:3.10":    "3.10",
		"localhost:5000/a/b/c@sha256:0": "",
	} {
		if got := imageTag(image); got != want {
			t.Errorf("imageTag(%q) = %q, want %q", image, got, want)
		}
	}
}

func TestDefaultedSpecValidates(t *testing.T) {
	spec := corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox",
		Ports:     []corev1.ContainerPort{{ContainerPort: 8080}},
		Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("0.5")}},
	}}, Volumes: []corev1.Volume{{Name: "v"}}}
	SetDefaultsPodSpec(&spec)
	if errs := ValidatePodSpec(&spec, field.NewPath("spec")); len(errs) != 0 {
		t.Fatalf("defaulted spec is invalid: %v", errs)
	}
	if errs := ValidatePodSpec(&corev1.PodSpec{}, field.NewPath("spec")); len(errs) == 0 {
		t.Fatal("empty spec is valid")
	}
}

func TestTemplatePaths(t *testing.T) {
	tmpl := corev1.PodTemplateSpec{}
	tmpl.Labels = map[string]string{"bad key": "x"}
	tmpl.Spec.Containers = []corev1.Container{{Name: "c"}}
	SetDefaultsPodTemplateSpec(&tmpl)
	errs := ValidatePodTemplateSpec(&tmpl, field.NewPath("spec", "template"))
	var fields []string
	for _, e := range errs {
		fields = append(fields, e.Field)
	}
	got := strings.Join(fields, " ")
	for _, want := range []string{"spec.template.labels", "spec.template.spec.containers[0].image"} {
		if !strings.Contains(got, want) {
			t.Errorf("no error at %s in %v", want, errs)
		}
	}
}

// FuzzValidate checks that defaulting then validating never panics and
// that a defaulted single-container spec with a valid name and image is
// accepted.
func FuzzValidate(f *testing.F) {
	f.Add("c", "busybox", "Always", int32(80), "v")
	f.Add("Bad_Name", "", "Sometimes", int32(0), "")
	f.Add("x", "img:tag@sha256:1", "", int32(70000), "UPPER")
	f.Fuzz(func(t *testing.T, name, image, restart string, port int32, vol string) {
		spec := corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicy(restart),
			Containers: []corev1.Container{{Name: name, Image: image, Ports: []corev1.ContainerPort{{ContainerPort: port}},
				VolumeMounts: []corev1.VolumeMount{{Name: vol, MountPath: "/m"}}}},
			Volumes: []corev1.Volume{{Name: vol}},
		}
		SetDefaultsPodSpec(&spec)
		errs := ValidatePodSpec(&spec, field.NewPath("spec"))
		for _, e := range errs {
			if !strings.HasPrefix(e.Field, "spec.") {
				t.Errorf("error outside spec: %v", e)
			}
		}
	})
}
