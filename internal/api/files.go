package api

// Files in a node's data directory through which the CLI finds and opens its
// node. The node writes them; the client and the CLI read them.
const (
	// APIFile holds the REST API's base URL once the node listens.
	APIFile = "api-url"
	// TokenFile holds the API bearer token (mode 0600).
	TokenFile = "api-token"
	// KeystoreDir is the directory that holds the node's encrypted key.
	KeystoreDir = "keystore"
)
