// exchange_client.js — drives `tickflow exchange` with the npm `ws` client (a WebSocket
// implementation nobody here wrote) and checks what Binance's clients rely on.
//
//   node exchange_client.js streams PORT    streams, combined wrapping, SUBSCRIBE/UNSUBSCRIBE/
//                                           LIST_SUBSCRIPTIONS, errors, bad URLs, message-rate drop,
//                                           pings (server run with --ping-interval 1s --pong-timeout 3s)
//                                           and the drop of a client that never pongs
//   node exchange_client.js age PORT        serverShutdown then close (--max-conn-age 3s)
//   node exchange_client.js wss PORT CA     the same over TLS, verified against CA
//   node exchange_client.js rate PORT R     --rate R: records per second, frames, a stalled reader
//
// Prints "ok" and exits 0, or prints what failed and exits 1. Every wait has a deadline.
'use strict';
const WebSocket = require('ws');
const fs = require('fs');

const [mode, port, caFile] = process.argv.slice(2);
const tls = mode === 'wss';
const base = `${tls ? 'wss' : 'ws'}://127.0.0.1:${port}`;
const wsOpts = tls ? { ca: fs.readFileSync(caFile), servername: 'localhost' } : {};

function fail(msg) {
	console.error('FAIL: ' + msg);
	process.exit(1);
}

setTimeout(() => fail('whole run took longer than 60 s'), 60000).unref();

// A connection with a queue of received messages and helpers that wait with deadlines.
function open(path, extra = {}) {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(base + path, { ...wsOpts, ...extra });
		const c = { ws, msgs: [], waiters: [], pings: 0, closed: null };
		ws.on('message', (data) => {
			const text = data.toString();
			let j;
			try {
				j = JSON.parse(text);
			} catch (e) {
				fail(`${path}: not JSON: ${text.slice(0, 200)}`);
			}
			c.msgs.push(j);
			c.waiters.forEach((w) => w());
		});
		ws.on('ping', () => c.pings++);
		ws.on('close', (code, reason) => {
			c.closed = { code, reason: reason.toString() };
			c.waiters.forEach((w) => w());
		});
		ws.on('open', () => resolve(c));
		ws.on('unexpected-response', (req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
		ws.on('error', (e) => reject(e));
	});
}

// Waits until pred(c) is true, or fails after ms.
function until(c, what, pred, ms) {
	return new Promise((resolve) => {
		const check = () => {
			if (pred(c)) {
				clearTimeout(t);
				c.waiters = c.waiters.filter((w) => w !== check);
				resolve();
			}
		};
		const t = setTimeout(() => fail(`timed out after ${ms} ms waiting for ${what}`), ms);
		c.waiters.push(check);
		check();
	});
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function isMini(e) {
	return e.e === '24hrMiniTicker' && typeof e.E === 'number' && typeof e.s === 'string' &&
		['c', 'o', 'h', 'l', 'v', 'q'].every((k) => /^\d+\.\d{8}$/.test(e[k])) &&
		Object.keys(e).join(',') === 'e,E,s,c,o,h,l,v,q';
}

async function request(c, msg, id) {
	const before = c.msgs.length;
	c.ws.send(JSON.stringify(msg));
	// id undefined: the reply is an error without an id; stream data (no id either) must not match
	const isReply = (m) => (id === undefined ? m.code !== undefined : m.id === id);
	await until(c, `reply to ${JSON.stringify(msg)}`, () => c.msgs.slice(before).some(isReply), 5000);
	return c.msgs.slice(before).find(isReply);
}

async function expectHttpStatus(path, status) {
	try {
		const c = await open(path);
		c.ws.terminate();
		fail(`${path}: upgrade accepted, expected HTTP ${status}`);
	} catch (e) {
		if (e.message !== `HTTP ${status}`)
			fail(`${path}: expected HTTP ${status}, got ${e.message}`);
	}
}

async function streams() {
	// 1. raw !miniTicker@arr: arrays of exact miniTicker elements, once a second
	const a = await open('/ws/!miniTicker@arr');
	await until(a, 'two miniTicker frames', () => a.msgs.length >= 2, 5000);
	for (const f of a.msgs.slice(0, 2)) {
		if (!Array.isArray(f) || f.length === 0) fail('!miniTicker@arr frame is not a non-empty array');
		if (!f.every(isMini)) fail('bad miniTicker element: ' + JSON.stringify(f.find((e) => !isMini(e))));
		if (new Set(f.map((e) => e.s)).size !== f.length) fail('a symbol twice in one frame');
	}
	const dt = a.msgs[1][0].E - a.msgs[0][0].E;
	if (dt < 500 || dt > 1600) fail(`frames ${dt} ms apart, expected about 1000`);

	// 2. combined trade + kline
	const b = await open('/stream?streams=btcusdt@trade/btcusdt@kline_1m');
	await until(b, 'a trade and a kline', () => b.msgs.some((m) => m.stream === 'btcusdt@trade') &&
		b.msgs.some((m) => m.stream === 'btcusdt@kline_1m'), 8000);
	for (const m of b.msgs) {
		if (!m.stream || !m.data) fail('combined message without stream/data: ' + JSON.stringify(m));
		const d = m.data;
		if (m.stream === 'btcusdt@trade') {
			if (d.e !== 'trade' || d.s !== 'BTCUSDT' || typeof d.t !== 'number' || !/^\d+\.\d{8}$/.test(d.p) ||
				typeof d.m !== 'boolean' || typeof d.T !== 'number') fail('bad trade ' + JSON.stringify(d));
		} else {
			const k = d.k;
			if (d.e !== 'kline' || d.s !== 'BTCUSDT' || !k || k.i !== '1m' || k.T !== k.t + 59999 ||
				typeof k.x !== 'boolean' || typeof k.n !== 'number' || !['o', 'c', 'h', 'l', 'v', 'q', 'V', 'Q'].every((x) => /^\d+\.\d{8}$/.test(k[x])) ||
				Object.keys(k).join(',') !== 't,T,s,i,f,L,o,c,h,l,v,n,x,q,V,Q,B') fail('bad kline ' + JSON.stringify(d));
		}
	}
	const ids = b.msgs.filter((m) => m.stream === 'btcusdt@trade').map((m) => m.data.t);
	for (let i = 1; i < ids.length; i++) if (ids[i] !== ids[i - 1] + 1) fail(`trade ids not consecutive: ${ids[i - 1]} then ${ids[i]}`);

	// 3. live control messages on a bare /ws connection
	const c = await open('/ws');
	let r = await request(c, { method: 'SUBSCRIBE', params: ['btcusdt@trade', 'ethusdt@miniTicker'], id: 1 }, 1);
	if (JSON.stringify(r) !== '{"result":null,"id":1}') fail('SUBSCRIBE reply ' + JSON.stringify(r));
	await sleep(300);
	r = await request(c, { method: 'LIST_SUBSCRIPTIONS', id: 3 }, 3);
	if (JSON.stringify(r) !== '{"result":["btcusdt@trade","ethusdt@miniTicker"],"id":3}') fail('LIST reply ' + JSON.stringify(r));
	await until(c, 'a trade after SUBSCRIBE', () => c.msgs.some((m) => m.e === 'trade'), 5000);
	await sleep(300);
	r = await request(c, { method: 'UNSUBSCRIBE', params: ['btcusdt@trade'], id: 4 }, 4);
	if (JSON.stringify(r) !== '{"result":null,"id":4}') fail('UNSUBSCRIBE reply ' + JSON.stringify(r));
	await sleep(300);
	r = await request(c, { method: 'LIST_SUBSCRIPTIONS', id: 5 }, 5);
	if (JSON.stringify(r) !== '{"result":["ethusdt@miniTicker"],"id":5}') fail('LIST after UNSUBSCRIBE ' + JSON.stringify(r));
	await sleep(1100);
	r = await request(c, { method: 'SUBSCRIBE', params: ['nosuchcoin@trade'], id: 6 }, 6);
	if (r.code !== 2 || !/unknown stream/.test(r.msg)) fail('unknown stream reply ' + JSON.stringify(r));
	await sleep(300);
	r = await request(c, { method: 'FROB', id: 7 }, 7);
	if (r.code !== 2 || !/unknown variant `FROB`/.test(r.msg)) fail('unknown method reply ' + JSON.stringify(r));
	await sleep(300);
	const before = c.msgs.length;
	c.ws.send('{"method":');
	await until(c, 'invalid JSON reply', () => c.msgs.slice(before).some((m) => m.code === 3), 5000);
	await sleep(300);
	r = await request(c, { method: 'LIST_SUBSCRIPTIONS', id: 'x' }, undefined);
	if (r.code !== 2 || !/request ID must be an unsigned integer/.test(r.msg)) fail('bad id reply ' + JSON.stringify(r));
	c.ws.close();

	// 4. bad upgrade targets
	await expectHttpStatus('/ws/nosuchcoin@trade', 400);
	await expectHttpStatus('/ws/BTCUSDT@trade', 400);
	await expectHttpStatus('/stream?streams=btcusdt@trade/btcusdt@depth', 400);
	await expectHttpStatus('/nope', 404);

	// 5. more than 5 messages in a second: dropped
	const d = await open('/ws');
	for (let i = 0; i < 8; i++) d.ws.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: 100 + i }));
	await until(d, 'drop after 8 messages in a second', () => d.closed !== null, 5000);
	if (d.msgs.length > 5) fail(`answered ${d.msgs.length} of 8 messages sent within a second`);

	// 6. pings every second reach everyone; a client that never pongs is dropped after 3 s, one that
	//    does stays
	const silent = await open('/ws/btcusdt@miniTicker', { autoPong: false });
	const polite = await open('/ws/ethusdt@miniTicker');
	const t0 = Date.now();
	await until(silent, 'the silent client dropped', () => silent.closed !== null, 8000);
	const after = Date.now() - t0;
	if (after < 2000) fail(`silent client dropped after ${after} ms, expected about 3000`);
	if (silent.closed.code !== 1008) fail(`silent client closed with ${silent.closed.code}, expected 1008`);
	if (silent.pings < 2) fail(`silent client saw ${silent.pings} pings in ${after} ms`);
	await sleep(1500);
	if (polite.closed) fail('the ponging client was dropped too: ' + JSON.stringify(polite.closed));
	if (polite.pings < 3) fail(`ponging client saw only ${polite.pings} pings`);
	if (!polite.msgs.some((m) => m.e === '24hrMiniTicker' && m.s === 'ETHUSDT')) fail('no ethusdt@miniTicker update');
	for (const x of [a, b, polite]) x.ws.close();
}

async function age() {
	const c = await open('/ws/btcusdt@miniTicker');
	await until(c, 'close after max-conn-age', () => c.closed !== null, 10000);
	const sd = c.msgs.findIndex((m) => m.e === 'serverShutdown');
	if (sd < 0) fail('no serverShutdown before close: ' + JSON.stringify(c.msgs.slice(-2)));
	if (sd !== c.msgs.length - 1) fail('messages after serverShutdown');
	if (typeof c.msgs[sd].E !== 'number') fail('serverShutdown without E');
	if (c.closed.code !== 1001) fail(`closed with ${c.closed.code}, expected 1001`);
}

async function wss() {
	const c = await open('/stream?streams=!miniTicker@arr');
	await until(c, 'a frame over TLS', () => c.msgs.length >= 1, 5000);
	const m = c.msgs[0];
	if (m.stream !== '!miniTicker@arr' || !Array.isArray(m.data) || !m.data.every(isMini)) fail('bad frame over TLS');
	const r = await request(c, { method: 'LIST_SUBSCRIPTIONS', id: 9 }, 9);
	if (JSON.stringify(r) !== '{"result":["!miniTicker@arr"],"id":9}') fail('LIST over TLS ' + JSON.stringify(r));
	c.ws.close();
	// an unverified connection (no CA) must fail the handshake
	try {
		const bad = await open('/ws/btcusdt@trade', { ca: undefined });
		bad.ws.terminate();
		fail('TLS connection without the CA was accepted');
	} catch (e) {
		if (!/self[- ]signed|unable to verify|certificate/i.test(e.message)) fail('unexpected TLS error: ' + e.message);
	}
}

// --rate R: about R records a second in many frames, each symbol at most once a frame; and a
// client that stops reading is dropped by the server (checked in the server's log by the caller)
async function rate() {
	const want = Number(process.argv[4]);
	const stalled = await open('/ws/!miniTicker@arr');
	stalled.ws._socket.pause(); // stop reading: the server's queue for it fills up
	const c = await open('/ws/!miniTicker@arr');
	await until(c, 'a first frame', () => c.msgs.length > 0, 5000);
	const n0 = c.msgs.length;
	const t0 = Date.now();
	await sleep(3000);
	const frames = c.msgs.slice(n0);
	const secs = (Date.now() - t0) / 1000;
	const recs = frames.reduce((a, f) => a + f.length, 0) / secs;
	for (const f of frames) {
		if (!Array.isArray(f) || !f.every(isMini)) fail('bad frame under --rate');
		if (new Set(f.map((e) => e.s)).size !== f.length) fail('a symbol twice in one frame');
	}
	if (recs < want * 0.5 || recs > want * 1.5) fail(`${recs.toFixed(0)} records/s, asked for ${want}`);
	if (frames.length / secs < 5) fail(`only ${(frames.length / secs).toFixed(1)} frames/s under --rate`);
	c.ws.close();
	stalled.ws.terminate();
}

const modes = { streams, age, wss, rate };
if (!modes[mode]) fail('usage: exchange_client.js streams|age|wss PORT [CA]');
modes[mode]().then(() => {
	console.log('ok');
	process.exit(0);
}, (e) => fail(e.stack || String(e)));
