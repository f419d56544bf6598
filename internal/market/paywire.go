package market

// ProtoPay carries a voucher to a provider after its execution's task
// stream has closed: the requester's payment of a verified task's final
// interval, held until the verification decided (Payment, PayReply).
const ProtoPay = "pay"

// PayReply answers a Payment on ProtoPay: empty when the voucher was taken
// (or paid nothing new), else why it was refused.
type PayReply struct {
	Error string `json:"error,omitempty"`
}
