package job

// TimeLocked reports whether the task's provider must prove a time-lock
// for it: a signed attestation per usage interval of which processes used
// its devices, a foreign one or a missing interval withholding that
// interval's payment. Service jobs and bookings (the rentals) always are;
// any other job is when it asks (TimeLock). The spec digest, which the
// deal signs, covers the choice.
func (s Spec) TimeLocked() bool { return s.TimeLock || s.IsService() || s.IsBooking() }

// validateTimeLock refuses timeLock on a verified job: a verified run's
// final interval is held until its verification decides, and a failed
// time-lock would withhold the same interval a second time.
func validateTimeLock(v *validator, s Spec) {
	if s.TimeLock && s.Verify().Kind != VerifyNone {
		v.add("timeLock", "a verified job (verification %s) cannot ask for a time-lock yet: its final interval is held for the verification", s.Verification)
	}
}
