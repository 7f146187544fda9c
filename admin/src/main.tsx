import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Gate } from './auth/gate.js';

createRoot(document.getElementById('admin-root')!).render(
  <StrictMode>
    <Gate />
  </StrictMode>,
);
