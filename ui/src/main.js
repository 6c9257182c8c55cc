// The app's entry point (loaded by index.html as a module): builds the app on #app with the real
// Tauri commands and shows step 1.

import './locale.js';
import { api } from './api.js';
import { createApp } from './app.js';

// WebKitGTK ignores the page's window.print(): the window opens the system print dialog.
const app = createApp({ root: document.getElementById('app'), print: () => api.printPage() });
app.actions.start();
