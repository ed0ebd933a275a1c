// A real SMTP server on loopback for the end-to-end tests: accepts every message the app's
// outbox worker sends over SMTP and serves them as JSON for the tests to read.
//   SMTP: 127.0.0.1:$SMTP_PORT (default 2525)   HTTP: 127.0.0.1:$SMTP_SINK_HTTP_PORT (2580)
//   GET /messages?to=<addr>  → newest first [{ to, subject, text, html, receivedAt }]
import http from 'node:http';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

const smtpPort = Number(process.env.SMTP_PORT || 2525);
const httpPort = Number(process.env.SMTP_SINK_HTTP_PORT || 2580);
const messages = [];

const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, session, callback) {
    simpleParser(stream)
      .then((mail) => {
        for (const rcpt of session.envelope.rcptTo) {
          messages.push({
            to: rcpt.address.toLowerCase(),
            subject: mail.subject || '',
            text: mail.text || '',
            html: typeof mail.html === 'string' ? mail.html : '',
            receivedAt: new Date().toISOString(),
          });
        }
        callback();
      })
      .catch(callback);
  },
});
smtp.listen(smtpPort, '127.0.0.1');

http
  .createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (url.pathname === '/messages') {
      const to = (url.searchParams.get('to') || '').toLowerCase();
      const list = messages.filter((m) => !to || m.to === to).slice().reverse();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(list));
    } else if (url.pathname === '/health') {
      res.end('ok');
    } else {
      res.writeHead(404);
      res.end();
    }
  })
  .listen(httpPort, '127.0.0.1');

console.log(`smtp sink: SMTP 127.0.0.1:${smtpPort}, HTTP 127.0.0.1:${httpPort}`);
