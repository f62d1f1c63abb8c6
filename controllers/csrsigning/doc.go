// Package csrsigning issues certificates for approved
// CertificateSigningRequests of the four signers kube-controller-manager
// runs (kubernetes.io/kube-apiserver-client, kube-apiserver-client-kubelet,
// kubelet-serving and legacy-unknown), with the cluster CA: each request is
// checked against its signer's rules first, and one that breaks them is
// marked Failed with reason SignerValidationFailure instead of signed.
package csrsigning
