package csistoragecapacity

import (
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apiserver/pkg/registry/rest"
)

// Table is upstream's: the csistoragecapacities storage has no printer of its
// own, so kubectl gets the default NAME, CREATED AT columns.
var Table = rest.NewDefaultTableConvertor(storagev1.Resource("csistoragecapacities"))
