/** The demo accounts' password, handed to the server under test (it picks a random one unless told). */
export const DEMO_PASSWORD = 'e2e-demo-pass-4821';
