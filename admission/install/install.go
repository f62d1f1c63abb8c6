// Package install links every skiff admission plugin into the binary.
// Add a blank import here for each plugin package under admission/.
package install

import (
	_ "github.com/skiff-k8s/skiff/admission/certificateapproval" // CertificateApproval, CertificateSigning, ClusterTrustBundleAttest
	_ "github.com/skiff-k8s/skiff/admission/certificatesubjectrestriction"
	_ "github.com/skiff-k8s/skiff/admission/defaultingressclass"
	_ "github.com/skiff-k8s/skiff/admission/defaultstorageclass"
	_ "github.com/skiff-k8s/skiff/admission/defaulttolerationseconds"
	_ "github.com/skiff-k8s/skiff/admission/limitranger"
	_ "github.com/skiff-k8s/skiff/admission/persistentvolumeclaimresize"
	_ "github.com/skiff-k8s/skiff/admission/podsecurity"
	_ "github.com/skiff-k8s/skiff/admission/priority"
	_ "github.com/skiff-k8s/skiff/admission/resourcequota"
	_ "github.com/skiff-k8s/skiff/admission/runtimeclass"
	_ "github.com/skiff-k8s/skiff/admission/serviceaccount"
	_ "github.com/skiff-k8s/skiff/admission/storageobjectinuseprotection"
	_ "github.com/skiff-k8s/skiff/admission/taintnodesbycondition"
)
