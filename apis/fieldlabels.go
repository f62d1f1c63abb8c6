package apis

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// MustAddFieldLabels lets list and watch requests for gvk select on the
// given fields besides metadata.name and metadata.namespace.
func MustAddFieldLabels(gvk schema.GroupVersionKind, labels ...string) {
	renames := make(map[string]string, len(labels))
	for _, l := range labels {
		renames[l] = l
	}
	MustAddFieldLabelRenames(gvk, renames)
}

// MustAddFieldLabelRenames is MustAddFieldLabels for versions whose field
// names differ from the stored shape: renames maps a selector label of gvk to
// the label the storage's attribute function produces.
func MustAddFieldLabelRenames(gvk schema.GroupVersionKind, renames map[string]string) {
	err := Scheme.AddFieldLabelConversionFunc(gvk, func(label, value string) (string, string, error) {
		switch label {
		case "metadata.name", "metadata.namespace":
			return label, value, nil
		}
		if to, ok := renames[label]; ok {
			return to, value, nil
		}
		return "", "", fmt.Errorf("field label not supported: %s", label)
	})
	if err != nil {
		panic(err)
	}
}
