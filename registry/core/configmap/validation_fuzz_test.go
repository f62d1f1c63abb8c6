package configmap

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
)

// FuzzValidate checks Validate never panics and rejects exactly the keys
// upstream rejects, with the key's field path.
func FuzzValidate(f *testing.F) {
	f.Add("name", "key", "value", "bin")
	f.Add("UPPER", "bad key", "", "key")
	f.Add("", ".", "x", "..")
	f.Fuzz(func(t *testing.T, name, key, value, binKey string) {
		cm := &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
			Data:       map[string]string{key: value},
			BinaryData: map[string][]byte{binKey: []byte(value)},
		}
		errs := Validate(cm)
		keyBad := len(utilvalidation.IsConfigMapKey(key)) > 0
		found := false
		for _, e := range errs {
			if e.Field == "data["+key+"]" {
				found = true
			}
		}
		if keyBad && !found {
			t.Errorf("invalid key %q not reported: %v", key, errs)
		}
		if !keyBad && key != binKey && found {
			t.Errorf("valid key %q reported: %v", key, errs)
		}
		if key == binKey && !found {
			t.Errorf("key %q in both data and binaryData not reported", key)
		}
		_ = ValidateUpdate(cm, cm.DeepCopy())
	})
}
