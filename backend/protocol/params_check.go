package protocol

// CheckParams refuses parameters no model server accepts, with the same
// reasons update_chat gives; for params that arrive outside a command (an
// imported chat carries its own).
func CheckParams(p Params) error {
	if d := checkParams("", p); d != nil {
		return Refuse(d.Err.Reason, "%s", d.Err.Detail)
	}
	return nil
}
