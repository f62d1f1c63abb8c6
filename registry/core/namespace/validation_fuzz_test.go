package namespace

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// FuzzValidate checks namespace names are accepted exactly when they are
// DNS labels, and finalizer validation never panics.
func FuzzValidate(f *testing.F) {
	f.Add("default", "kubernetes")
	f.Add("Bad_Name", "example.com/cleanup")
	f.Add("", "nope")
	f.Fuzz(func(t *testing.T, name, finalizer string) {
		ns := &corev1.Namespace{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:       corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{corev1.FinalizerName(finalizer)}},
		}
		nameErr := false
		for _, e := range Validate(ns) {
			if e.Field == "metadata.name" {
				nameErr = true
			}
		}
		if want := name == "" || len(validation.ValidateNamespaceName(name, false)) > 0; want != nameErr {
			t.Errorf("name %q: error reported = %v, want %v", name, nameErr, want)
		}
	})
}
