// Command ftpbench measures an FTP server the same way whatever server it is,
// so luaftpd can be compared with vsftpd, ProFTPD and pure-ftpd on one
// machine. It speaks FTP itself (net/textproto, passive EPSV/PASV, explicit
// FTPS with session resumption) or, for the big transfers, drives curl.
//
// Modes (-mode):
//
//	retr    download -file (-size bytes expected) once; MB/s (10^6 B/s),
//	        timed from EPSV to the final 226. With -curl: curl's own
//	        speed_download (whole session, login included). With -pids or
//	        -proc, also the server's CPU seconds per GiB (utime+stime of
//	        its processes and their reaped children, /proc/PID/stat).
//	stor    upload -size bytes to a new -file (an old one is deleted
//	        first); MB/s, timed to the final 226, and CPU as for retr.
//	        With -curl -src LOCALFILE: curl -T, speed_upload.
//	login   -clients (8) loops of connect, greeting, USER, PASS, QUIT for
//	        -duration; sessions/s. Any failed session fails the run.
//	rounds  -clients (50) logged-in sessions each doing -rounds (20) rounds
//	        of STOR, RETR (size checked) and DELE of a -round-size (1 MiB)
//	        file; rounds/s, timed once all sessions are logged in.
//	idle    -sessions (500) logged-in idle sessions; the growth of the
//	        server's memory per session in KiB: Pss from
//	        /proc/PID/smaps_rollup summed over the processes named -proc
//	        (or listed in -pids) and all their descendants, before the
//	        sessions and after -settle, following 8 warm-up logins.
//	table   print a Markdown table of the medians in the -in file.
//
// Each run prints "label<TAB>metric<TAB>value" and, with -out, appends the
// same row to a TSV file; -repeat runs the measurement several times.
// compare.sh installs the Debian servers one after another, measures each
// and luaftpd beside it with this tool, run by run in alternation, and prints
// the table; its header lists the settings it reads from the environment.
//
// Example:
//
//	go run ./cmd/ftpbench -addr 127.0.0.1:2121 -user bench -pass bench \
//	    -mode retr -file big.bin -size 1G -repeat 3
package main
