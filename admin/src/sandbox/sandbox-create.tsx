import {
  BooleanInput,
  Create,
  FormDataConsumer,
  RadioButtonGroupInput,
  ReferenceInput,
  SelectInput,
  SimpleForm,
  TextInput,
  maxLength,
  regex,
  required,
  useGetIdentity,
} from 'react-admin';
import { useSearchParams } from 'react-router-dom';
import { useCreatedNotice } from '../provider/created-notice.js';
import type { SandboxContainer, SandboxGroup } from './sandbox-resource.js';

const NAME_RULE = '1 to 200 characters, not only spaces';
const validateName = (what: string) => [
  required(`Give the ${what} a name.`),
  maxLength(200, `A name is ${NAME_RULE}.`),
  regex(/\S/, `A name is ${NAME_RULE}.`),
];
const validateProject = [maxLength(200, `A project name is ${NAME_RULE}.`)];

/** A new group of the sandbox; you are among its members by default, so that you may import into it. */
export function SandboxGroupCreate() {
  const { identity } = useGetIdentity();
  const created = useCreatedNotice<SandboxGroup>((group) => `The group ${group.name} is created.`, '/sandbox-groups');
  if (!identity) return null;
  return (
    <Create resource="sandbox-groups" title="New sandbox group" mutationOptions={created}>
      <SimpleForm defaultValues={{ members: String(identity.id), readWrite: false }}>
        <TextInput source="name" label="Name" validate={validateName('group')} helperText={NAME_RULE} />
        <TextInput
          source="members"
          label="Members"
          helperText="Usernames, separated by commas. Only members see the group and import into it."
        />
        <BooleanInput
          source="readWrite"
          label="Members may import into each other's datasets and screens"
          helperText="Off: each member imports only into their own (read-only group)."
        />
      </SimpleForm>
    </Create>
  );
}

/** A new dataset (optionally in a project) or screen in one of the sandbox groups. */
export function SandboxContainerCreate() {
  const [search] = useSearchParams();
  const created = useCreatedNotice<SandboxContainer>(
    (container) => `The ${container.type === 'SCREEN' ? 'screen' : 'dataset'} ${container.name} is created.`,
    '/sandbox-groups',
  );
  return (
    <Create resource="sandbox-containers" title="New dataset or screen" mutationOptions={created}>
      <SimpleForm defaultValues={{ type: 'DATASET', groupId: search.get('groupId') ?? undefined }}>
        <ReferenceInput source="groupId" reference="sandbox-groups" sort={{ field: 'name', order: 'ASC' }}>
          <SelectInput label="Group" optionText="name" validate={required('Choose the group it belongs to.')} />
        </ReferenceInput>
        <RadioButtonGroupInput
          source="type"
          label="Kind"
          choices={[
            { id: 'DATASET', name: 'Dataset (images)' },
            { id: 'SCREEN', name: 'Screen (plates)' },
          ]}
        />
        <TextInput source="name" label="Name" validate={validateName('dataset or screen')} helperText={NAME_RULE} />
        <FormDataConsumer>
          {({ formData }) =>
            formData.type === 'DATASET' && (
              <TextInput
                source="projectName"
                label="Project (optional)"
                validate={validateProject}
                helperText="Created if the group has no project of that name."
              />
            )
          }
        </FormDataConsumer>
        <TextInput
          source="owner"
          label="Owner (optional)"
          helperText="The username of a member of the group; you when left empty."
        />
      </SimpleForm>
    </Create>
  );
}
