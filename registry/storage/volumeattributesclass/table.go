package volumeattributesclass

import (
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/registry/table"
)

// Table prints NAME, DRIVERNAME, AGE.
var Table = table.Convertor[*storagev1.VolumeAttributesClass]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "DriverName", Type: "string", Description: storagev1.VolumeAttributesClass{}.SwaggerDoc()["driverName"]},
		table.AgeColumn,
	},
	Row: func(c *storagev1.VolumeAttributesClass) []interface{} {
		return []interface{}{c.Name, c.DriverName, table.Age(c.CreationTimestamp)}
	},
}
