/**
 * Imported first by every entry point (main and the CLIs): on a Node.js older
 * than 22.12, loading the rest crashes (argon2's native module segfaults on
 * Node 20), so say what is needed, and how to get it, before that happens.
 */
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `Node.js 22.12 or newer is required; this is ${process.version}. Without root: ` +
      'npm install -g --prefix ~/node24 node@24 && export PATH=~/node24/bin:$PATH',
  );
  process.exit(1);
}

export {};
