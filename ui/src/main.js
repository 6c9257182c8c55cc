// The app's entry point (loaded by index.html as a module): builds the app on #app with the real
// Tauri commands and shows step 1.

import './locale.js';
import { createApp } from './app.js';

const app = createApp({ root: document.getElementById('app') });
app.actions.start();
