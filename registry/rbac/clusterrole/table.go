package clusterrole

import (
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apiserver/pkg/registry/rest"
)

// Table prints NAME, CREATED AT, as upstream (no printer is registered).
var Table = rest.NewDefaultTableConvertor(rbacv1.Resource("clusterroles"))
