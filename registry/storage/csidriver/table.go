package csidriver

import (
	"strings"

	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/registry/table"
)

// Table prints NAME, ATTACHREQUIRED, PODINFOONMOUNT, STORAGECAPACITY,
// TOKENREQUESTS, REQUIRESREPUBLISH, MODES, AGE.
var Table = table.Convertor[*storagev1.CSIDriver]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "AttachRequired", Type: "boolean", Description: storagev1.CSIDriverSpec{}.SwaggerDoc()["attachRequired"]},
		{Name: "PodInfoOnMount", Type: "boolean", Description: storagev1.CSIDriverSpec{}.SwaggerDoc()["podInfoOnMount"]},
		{Name: "StorageCapacity", Type: "boolean", Description: storagev1.CSIDriverSpec{}.SwaggerDoc()["storageCapacity"]},
		{Name: "TokenRequests", Type: "string", Description: storagev1.CSIDriverSpec{}.SwaggerDoc()["tokenRequests"]},
		{Name: "RequiresRepublish", Type: "boolean", Description: storagev1.CSIDriverSpec{}.SwaggerDoc()["requiresRepublish"]},
		{Name: "Modes", Type: "string", Description: storagev1.CSIDriverSpec{}.SwaggerDoc()["volumeLifecycleModes"]},
		table.AgeColumn,
	},
	Row: func(d *storagev1.CSIDriver) []interface{} {
		b := func(p *bool, def bool) bool {
			if p == nil {
				return def
			}
			return *p
		}
		var modes []string
		for _, m := range d.Spec.VolumeLifecycleModes {
			modes = append(modes, string(m))
		}
		m := strings.Join(modes, ",")
		if m == "" {
			m = "<none>"
		}
		tokens := "<unset>"
		if d.Spec.TokenRequests != nil {
			var auds []string
			for _, t := range d.Spec.TokenRequests {
				auds = append(auds, t.Audience)
			}
			tokens = strings.Join(auds, ",")
		}
		return []interface{}{d.Name, b(d.Spec.AttachRequired, true), b(d.Spec.PodInfoOnMount, false), b(d.Spec.StorageCapacity, false),
			tokens, b(d.Spec.RequiresRepublish, false), m, table.Age(d.CreationTimestamp)}
	},
}
