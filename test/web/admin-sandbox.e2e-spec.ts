import { beforeAll, describe, expect, it } from '@jest/globals';
import { accessToken, createUser } from '../support/clients.js';
import { ADMIN } from '../support/test-app.js';
import { browserSuite, screenshotAtBothWidths, signInThroughPage, signedInAdminPage } from '../support/browser.js';

/**
 * The sandbox OMERO's page of the admin app: its groups and containers, created from the app
 * and then offered to their members by the web uploader's target picker.
 */

const suite = browserSuite();
let hana: { password: string };

beforeAll(async () => {
  hana = await createUser(suite.server.url, await accessToken(suite.server.url), 'hana');
});

describe('sandbox OMERO', () => {
  it("creates a group and a dataset in it, which its member then picks in the uploader's target picker", async () => {
    const open = await signedInAdminPage(suite, '/admin', ADMIN.username, ADMIN.password);
    const { page } = open;
    await page.getByRole('menuitem', { name: 'Sandbox OMERO' }).click();
    // The starter group every user is given.
    await page
      .getByRole('listitem', { name: /^Group / })
      .first()
      .waitFor();
    await screenshotAtBothWidths(open, 'admin-sandbox');

    // A group: a blank name is refused here, an unknown member by the server; both say so.
    await page.getByRole('link', { name: 'New group' }).click();
    await page.getByRole('textbox', { name: 'Members' }).waitFor();
    expect(await page.getByRole('textbox', { name: 'Members' }).inputValue()).toBe('admin');
    await page.getByRole('textbox', { name: /^Name/ }).fill('   ');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('A name is 1 to 200 characters, not only spaces.').waitFor();
    await page.getByRole('textbox', { name: /^Name/ }).fill('Microscopy lab');
    await page.getByRole('textbox', { name: 'Members' }).fill('hana, nobody');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('There is no user "nobody".').first().waitFor();
    await screenshotAtBothWidths(open, 'admin-sandbox-group-refused');
    // Without the administrator as a member: the page lists every group of the sandbox.
    await page.getByRole('textbox', { name: 'Members' }).fill('hana');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('The group Microscopy lab is created.').waitFor();
    const group = page.getByRole('listitem', { name: 'Group Microscopy lab' });
    await group.getByText('Read-only · Members: hana').waitFor();
    await group.getByText('No dataset or screen yet.').waitFor();

    // A dataset in a project of that group, owned by hana.
    await group.getByRole('link', { name: 'Create one' }).click();
    await page.getByRole('textbox', { name: /^Name/ }).fill('x'.repeat(201));
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('A name is 1 to 200 characters, not only spaces.').waitFor();
    await page.getByRole('textbox', { name: /^Name/ }).fill('Day 1 scans');
    await page.getByRole('textbox', { name: 'Project (optional)' }).fill('Zebrafish');
    await page.getByRole('textbox', { name: 'Owner (optional)' }).fill('hana');
    await screenshotAtBothWidths(open, 'admin-sandbox-container-form');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('The dataset Day 1 scans is created.').waitFor();
    await group.getByText('Dataset Day 1 scans in project Zebrafish').waitFor();
    await screenshotAtBothWidths(open, 'admin-sandbox-created');
    open.expectNoErrors(/400|Bad Request/i);

    // Hana's uploader offers the group and the dataset.
    const web = await suite.open();
    await web.page.goto('/');
    await signInThroughPage(web.page, 'hana', hana.password);
    await web.page.getByLabel('OMERO group').selectOption({ label: 'Microscopy lab (Sandbox OMERO)' });
    const project = web.page.getByRole('group', { name: 'Project Zebrafish' });
    await project.getByRole('radio', { name: /Day 1 scans/ }).check();
    await web.screenshot('admin-sandbox-target-in-uploader');
    web.expectNoErrors();
  });
});
