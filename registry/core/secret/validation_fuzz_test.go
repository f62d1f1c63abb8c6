package secret

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// FuzzValidate checks Validate never panics on any type and data, and that
// a type change is always refused on update.
func FuzzValidate(f *testing.F) {
	f.Add("s", string(corev1.SecretTypeOpaque), "k", []byte("v"))
	f.Add("s", string(corev1.SecretTypeDockerConfigJson), ".dockerconfigjson", []byte("{"))
	f.Add("s", string(corev1.SecretTypeTLS), "tls.crt", []byte(""))
	f.Fuzz(func(t *testing.T, name, typ, key string, value []byte) {
		s := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", ResourceVersion: "1"},
			Type:       corev1.SecretType(typ),
			Data:       map[string][]byte{key: value},
		}
		_ = Validate(s)
		changed := s.DeepCopy()
		changed.Type = corev1.SecretType(typ + "x")
		found := false
		for _, e := range ValidateUpdate(changed, s) {
			if e.Field == "type" {
				found = true
			}
		}
		if !found {
			t.Errorf("type change %q -> %q accepted", s.Type, changed.Type)
		}
	})
}
