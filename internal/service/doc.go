// Package service is deco's pay-per-request service marketplace: a
// provider offers a service (a name, a price per request, a verification
// type, and the endpoint or service job that serves it); a requester's
// proxy carries plain HTTP requests to it over libp2p, each signed by the
// requester and carrying a cumulative voucher on the requester's channel
// to the provider; the provider serves a request only while the vouchers
// cover it and signs every response (the hashes of request and response,
// and the amount charged); the proxy verifies each response and leaves a
// provider that signs wrongly or overcharges for another provider of the
// same service. Either side risks at most one request's price.
package service
