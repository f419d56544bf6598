package market

import (
	"crypto/rand"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/settle/evm"
)

// BenchmarkUsageRoundTrip is the signing work of one pay-as-you-go step:
// the provider signs a usage report, the requester checks it and signs a
// voucher, the provider verifies the voucher.
func BenchmarkUsageRoundTrip(b *testing.B) {
	prov, _ := identity.Generate(rand.Reader)
	req, _ := identity.Generate(rand.Reader)
	q := Quote{JobID: "j1", SpecDigest: "sha256:0000000000000000000000000000000000000000000000000000000000000000",
		ExecutionID: "x1", Requester: req.PeerID(), RequesterAddress: req.Address(),
		Terms: Terms{PerHour: 36 * money.Unit, MaxAmount: 100 * money.Unit}, Deadline: time.Now().Add(time.Hour), Verification: "none"}
	if err := q.SignAsProvider(prov); err != nil {
		b.Fatal(err)
	}
	d, err := Accept(q, req)
	if err != nil {
		b.Fatal(err)
	}
	reqECDSA, err := crypto.ToECDSA(req.Bytes())
	if err != nil {
		b.Fatal(err)
	}
	domain := evm.Domain{ChainID: big.NewInt(1337), Contract: common.Address{0xe5}}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		u, err := NewUsageReport(prov, &d, uint64(i+1), time.Duration(i+1)*10*time.Second, false)
		if err != nil {
			b.Fatal(err)
		}
		if err := CheckUsage(u, UsageCheck{Deal: &d, LastSeq: uint64(i), Elapsed: time.Duration(i+2) * 10 * time.Second}); err != nil {
			b.Fatal(err)
		}
		v := evm.Voucher{Requester: common.Address(req.Address()), Provider: common.Address(prov.Address()), CumulativeAmount: settle.ToTokenUnits(u.AmountDue)}
		sig, err := evm.SignVoucher(reqECDSA, domain, v)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := evm.VerifyVoucher(domain, v, sig); err != nil {
			b.Fatal(err)
		}
	}
}
