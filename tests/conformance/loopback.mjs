// Preloaded into the conformance suite's Node process: every listener it opens without a
// host (its mock MCP, authorization and identity servers use `listen(0)`) binds to
// 127.0.0.1 instead of every interface, so the suite never listens beyond this machine.
//
// The suite reads `server.address().port` right after `listen(0)`, which only works when the
// bind is synchronous; with a host Node first resolves it through `dns.lookup`, so that
// lookup answers the loopback literal at once.
import dns from "node:dns";
import net from "node:net";

const LOOPBACK = "127.0.0.1";
const lookup = dns.lookup;
dns.lookup = function (hostname, options, callback) {
  const done = typeof options === "function" ? options : callback;
  const all = typeof options === "object" && options !== null && options.all;
  if (hostname === LOOPBACK && typeof done === "function") {
    if (all) done(null, [{ address: LOOPBACK, family: 4 }]);
    else done(null, LOOPBACK, 4);
    return {};
  }
  return lookup.call(this, hostname, options, callback);
};

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (args.length === 0 || typeof args[0] === "function") {
    args.unshift(0, LOOPBACK);
  } else if (typeof args[0] === "number" || typeof args[0] === "undefined") {
    if (typeof args[1] !== "string") args.splice(1, 0, LOOPBACK);
  } else if (args[0] && typeof args[0] === "object" && !args[0].path && !args[0].host) {
    args[0] = { ...args[0], host: LOOPBACK };
  }
  return listen.apply(this, args);
};
