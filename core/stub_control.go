package core

// Stubs of the control-side handlers, replaced as they are written.

func (s *Session) cmdUSER(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdPASS(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdACCT(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdREIN(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdQUIT(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdHOST(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdSYST(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdFEAT(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdOPTS(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdLANG(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdHELP(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdNOOP(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdSTAT(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdCLNT(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdSITE(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdAVBL(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdCWD(r *request) Reply     { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdCDUP(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdPWD(r *request) Reply     { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdMKD(r *request) Reply     { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdRMD(r *request) Reply     { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdDELE(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdRNFR(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdRNTO(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdSMNT(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdSIZE(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdMDTM(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdMFMT(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdMLST(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdHASH(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdXCRC(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdXMD5(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdXSHA1(r *request) Reply   { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdXSHA256(r *request) Reply { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdALLO(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdLIST(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdNLST(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdMLSD(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdAUTH(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdPBSZ(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdPROT(r *request) Reply    { return NewReply(502, "Command not implemented.") }
func (s *Session) cmdCCC(r *request) Reply     { return NewReply(502, "Command not implemented.") }

// reply writes r on the control connection.
func (s *Session) reply(r Reply) error { return nil }
