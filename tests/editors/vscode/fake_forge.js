// A forge API stand-in on 127.0.0.1 for the run-experiment e2e.
//   node fake_forge.js <port-file> <request-log>
// Listens on an ephemeral port (written to <port-file>), answers
//   POST /repos/:owner/:repo/pulls            (GitHub)
//   POST /projects/:id/merge_requests         (GitLab)
//   POST /repositories/:ws/:repo/pullrequests (Bitbucket)
// with a pull request whose web URL points back at this server, and appends every request
// (method, path, headers of interest, JSON body) as one JSON line to <request-log>.
'use strict';
const fs = require('fs');
const http = require('http');

const [portFile, requestLog] = process.argv.slice(2);
if (!portFile || !requestLog) {
  console.error('usage: node fake_forge.js <port-file> <request-log>');
  process.exit(2);
}

let next = 1;
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    let json = null;
    try {
      json = body ? JSON.parse(body) : null;
    } catch {
      json = body;
    }
    const entry = {
      method: req.method,
      path: req.url,
      authorization: req.headers.authorization ?? null,
      privateToken: req.headers['private-token'] ?? null,
      body: json,
    };
    fs.appendFileSync(requestLog, JSON.stringify(entry) + '\n');
    const base = `http://127.0.0.1:${server.address().port}`;
    const send = (status, obj) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(obj));
    };
    let m;
    if (req.method === 'POST' && (m = req.url.match(/^(?:\/api\/v3)?\/repos\/([^/]+)\/([^/]+)\/pulls\/?$/))) {
      const n = next++;
      return send(201, {
        number: n,
        html_url: `${base}/${m[1]}/${m[2]}/pull/${n}`,
        url: `${base}/repos/${m[1]}/${m[2]}/pulls/${n}`,
        state: 'open',
      });
    }
    if (req.method === 'POST' && (m = req.url.match(/^(?:\/api\/v4)?\/projects\/([^/]+)\/merge_requests\/?$/))) {
      const n = next++;
      const project = decodeURIComponent(m[1]);
      return send(201, { iid: n, web_url: `${base}/${project}/-/merge_requests/${n}`, state: 'opened' });
    }
    if (req.method === 'POST' && (m = req.url.match(/^(?:\/2\.0)?\/repositories\/([^/]+)\/([^/]+)\/pullrequests\/?$/))) {
      const n = next++;
      return send(201, { id: n, links: { html: { href: `${base}/${m[1]}/${m[2]}/pull-requests/${n}` } } });
    }
    send(404, { message: `fake forge: no route for ${req.method} ${req.url}` });
  });
});

server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(portFile, String(server.address().port));
});
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => server.close(() => process.exit(0)));
}
